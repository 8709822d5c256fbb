package io.mcpguard.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.testing.TestCertificates;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

/**
 * Who a client certificate names, and who a verified one identifies: a real TLS handshake between two embedded
 * channels (the proxy's side asks for a certificate without requiring one, as the listener does with client-auth
 * optional), then the proxy side's session is read.
 */
class ClientCertificatesTest {
    private static final TestCertificates.Issued CA = TestCertificates.ca("ca");
    private static final TestCertificates.Issued PROXY = TestCertificates.server(CA, "proxy");
    private static final String AGENT = "spiffe://example.test/sa/agent";
    private static final ClientCertificates LISTED = new ClientCertificates(Map.of(AGENT, List.of("dev", "ci")));
    /** Made once: RSA keys are slow to make. */
    private static final TestCertificates.Issued AGENT_CERTIFICATE = TestCertificates.client(CA, "agent-cn", AGENT);

    @Test
    void a_certificate_with_a_san_is_named_by_its_san_and_not_its_cn() {
        var cert = AGENT_CERTIFICATE.certificate();
        assertThat(ClientCertificates.names(cert)).containsExactly(AGENT);
    }

    @Test
    void a_certificate_without_a_san_is_named_by_its_cn() {
        var cert = TestCertificates.client(CA, "agent-cn", null).certificate();
        assertThat(ClientCertificates.names(cert)).containsExactly("agent-cn");
    }

    @Test
    void a_server_certificate_is_named_by_its_dns_names() {
        var cert = PROXY.certificate();
        assertThat(ClientCertificates.names(cert)).containsExactly("localhost");
    }

    @Test
    void a_san_of_another_kind_names_no_one_and_of_the_subject_only_the_cn_counts() throws Exception {
        // An otherName SAN (a UPN, say) is neither a URI nor a DNS name; the subject has an O beside its CN.
        var builder = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(
                new org.bouncycastle.asn1.x500.X500Name("CN=ca"),
                java.math.BigInteger.valueOf(System.nanoTime()),
                new java.util.Date(System.currentTimeMillis() - 60_000),
                new java.util.Date(System.currentTimeMillis() + 3_600_000),
                new org.bouncycastle.asn1.x500.X500Name("O=acme,CN=agent-cn"),
                AGENT_CERTIFICATE.keys().getPublic());
        builder.addExtension(
                org.bouncycastle.asn1.x509.Extension.subjectAlternativeName,
                false,
                new org.bouncycastle.asn1.x509.GeneralNames(new org.bouncycastle.asn1.x509.GeneralName(
                        org.bouncycastle.asn1.x509.GeneralName.otherName,
                        new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
                            new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.311.20.2.3"),
                            new org.bouncycastle.asn1.DERTaggedObject(
                                    true, 0, new org.bouncycastle.asn1.DERUTF8String("agent@acme.example"))
                        }))));
        var cert = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
                .getCertificate(
                        builder.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withRSA")
                                .build(CA.keys().getPrivate())));

        assertThat(ClientCertificates.names(cert)).containsExactly("agent-cn");
    }

    /** The proxy's side of a finished handshake with a client presenting what {@code client} holds. */
    private static EmbeddedChannel handshake(SSLContext client) {
        SSLEngine serverEngine = PROXY.sslContext(CA.certificate()).createSSLEngine();
        serverEngine.setUseClientMode(false);
        serverEngine.setWantClientAuth(true);
        SSLEngine clientEngine = client.createSSLEngine("localhost", 443);
        clientEngine.setUseClientMode(true);
        EmbeddedChannel proxySide = new EmbeddedChannel(new SslHandler(serverEngine));
        EmbeddedChannel clientSide = new EmbeddedChannel(new SslHandler(clientEngine));
        SslHandler proxyTls = proxySide.pipeline().get(SslHandler.class);
        for (int round = 0; round < 20 && !(proxyTls.handshakeFuture().isDone()); round++) {
            Object bytes;
            while ((bytes = clientSide.readOutbound()) != null) {
                proxySide.writeInbound(bytes);
            }
            while ((bytes = proxySide.readOutbound()) != null) {
                clientSide.writeInbound(bytes);
            }
        }
        assertThat(proxyTls.handshakeFuture().isSuccess())
                .as("the handshake completed")
                .isTrue();
        clientSide.finishAndReleaseAll();
        return proxySide;
    }

    private static Identity identify(ClientCertificates certificates, EmbeddedChannel proxySide) {
        try {
            return certificates.identify(proxySide.pipeline().firstContext());
        } finally {
            proxySide.finishAndReleaseAll();
        }
    }

    @Test
    void a_verified_listed_certificate_identifies_its_subject_with_the_listed_roles() {
        Identity identity = identify(LISTED, handshake(AGENT_CERTIFICATE.sslContext(CA.certificate())));

        assertThat(identity).isNotNull();
        assertThat(identity.subject().id()).isEqualTo(AGENT);
        assertThat(identity.subject().authenticated()).isTrue();
        assertThat(identity.subject().authMethod()).isEqualTo("mtls");
        assertThat(identity.subject().roles()).containsExactly("dev", "ci");
        assertThat(identity.scopes()).isEmpty();
    }

    @Test
    void no_certificate_an_unlisted_one_or_no_tls_at_all_identifies_no_one() {
        assertThat(identify(LISTED, handshake(TestCertificates.trusting(CA.certificate()))))
                .as("client-auth optional: a client may present none")
                .isNull();
        assertThat(identify(
                        new ClientCertificates(Map.of("spiffe://example.test/sa/other", List.of("dev"))),
                        handshake(AGENT_CERTIFICATE.sslContext(CA.certificate()))))
                .as("a certificate the CA signed but no one listed")
                .isNull();
        EmbeddedChannel plain = new EmbeddedChannel(new io.netty.channel.ChannelInboundHandlerAdapter());
        assertThat(identify(LISTED, plain)).isNull();
    }

    @Test
    void a_request_without_a_token_over_a_verified_listed_certificate_passes_as_its_subject() {
        EmbeddedChannel proxySide = handshake(AGENT_CERTIFICATE.sslContext(CA.certificate()));
        List<ExchangeLog> logs = new ArrayList<>();
        Authenticator authenticator =
                new Authenticator(StageFixture.auth(ProxyConfig.Auth.Mode.REQUIRED, null, null, null, List.of()));
        try {
            // Behind the TLS handler, as on the listener: each request opens its exchange log, then is authenticated.
            proxySide.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ExchangeLog.open(ctx.channel(), (io.netty.handler.codec.http.HttpRequest) msg, logs::add);
                    ctx.fireChannelRead(msg);
                }
            });
            proxySide
                    .pipeline()
                    .addLast(new AuthenticationHandler(
                            authenticator, new HttpAnswers(StageFixture.JSON), "/mcp", LISTED));

            proxySide
                    .pipeline()
                    .context(SslHandler.class)
                    .fireChannelRead(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/mcp"));

            Object passed = proxySide.readInbound();
            assertThat(passed).as("passed on, not answered").isInstanceOf(DefaultFullHttpRequest.class);
            io.netty.util.ReferenceCountUtil.release(passed);
            ChannelHandlerContext ctx = proxySide.pipeline().context(AuthenticationHandler.class);
            assertThat(AuthenticationHandler.verifiedIdentityOf(ctx).subject().id())
                    .isEqualTo(AGENT);
            assertThat((Object) proxySide.readOutbound()).isNull();
        } finally {
            proxySide.finishAndReleaseAll();
            authenticator.close();
        }
    }
}
