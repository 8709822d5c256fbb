package io.mcpguard.proxy.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates a test makes for itself: a CA, and server or client certificates it signs, written as the PEM files
 * cert-manager mounts ({@code tls.crt}, {@code tls.key} in PKCS#8, {@code ca.crt}).
 */
public final class TestCertificates {
    private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());

    /** A key pair and its certificate, signed by {@code issuer} (itself for a CA). */
    public record Issued(KeyPair keys, X509Certificate certificate) {
        /** Writes {@code tls.crt} and {@code tls.key} into {@code dir}, each replaced by a rename (as Kubernetes does). */
        public void writeTo(Path dir) throws IOException {
            replace(dir.resolve("tls.crt"), pem(certificate));
            replace(dir.resolve("tls.key"), pem(keys.getPrivate()));
        }

        public void writeCertificate(Path file) throws IOException {
            replace(file, pem(certificate));
        }

        /** An SSL context presenting this certificate and trusting {@code trusted}. */
        public SSLContext sslContext(X509Certificate trusted) {
            try {
                KeyStore keyStore = KeyStore.getInstance("PKCS12");
                keyStore.load(null, null);
                keyStore.setKeyEntry("key", keys.getPrivate(), new char[0], new X509Certificate[] {certificate});
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keyStore, new char[0]);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(kmf.getKeyManagers(), trustManagers(trusted), null);
                return context;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private TestCertificates() {}

    public static Issued ca(String name) {
        KeyPair keys = rsa();
        return new Issued(keys, sign(name, keys, name, keys.getPrivate(), true, List.of()));
    }

    /** A server certificate for 127.0.0.1 and localhost. */
    public static Issued server(Issued ca, String name) {
        KeyPair keys = rsa();
        return new Issued(
                keys,
                sign(
                        name,
                        keys,
                        cn(ca.certificate()),
                        ca.keys().getPrivate(),
                        false,
                        List.of(
                                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                                new GeneralName(GeneralName.dNSName, "localhost"))));
    }

    /** A server certificate naming only {@code dnsName}: for 127.0.0.1 it is the wrong host. */
    public static Issued serverNamed(Issued ca, String dnsName) {
        KeyPair keys = rsa();
        return new Issued(
                keys,
                sign(
                        dnsName,
                        keys,
                        cn(ca.certificate()),
                        ca.keys().getPrivate(),
                        false,
                        List.of(new GeneralName(GeneralName.dNSName, dnsName))));
    }

    /** A client certificate naming {@code uri} as its SAN URI (a SPIFFE ID, say). */
    public static Issued client(Issued ca, String cn, String uri) {
        KeyPair keys = rsa();
        List<GeneralName> sans =
                uri == null ? List.of() : List.of(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
        return new Issued(keys, sign(cn, keys, cn(ca.certificate()), ca.keys().getPrivate(), false, sans));
    }

    /** A client context trusting {@code trusted}, presenting no certificate. */
    public static SSLContext trusting(X509Certificate trusted) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers(trusted), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static javax.net.ssl.TrustManager[] trustManagers(X509Certificate trusted) throws GeneralSecurityException {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", trusted);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return tmf.getTrustManagers();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String cn(X509Certificate cert) {
        return cert.getSubjectX500Principal().getName().replaceFirst("^CN=", "");
    }

    private static X509Certificate sign(
            String subject,
            KeyPair subjectKeys,
            String issuer,
            java.security.PrivateKey issuerKey,
            boolean ca,
            List<GeneralName> sans) {
        try {
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    new X500Name("CN=" + issuer),
                    BigInteger.valueOf(SERIALS.incrementAndGet()),
                    Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(Duration.ofDays(1))),
                    new X500Name("CN=" + subject),
                    subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (ca) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                builder.addExtension(
                        Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            }
            if (!sans.isEmpty()) {
                builder.addExtension(
                        Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a test certificate", e);
        }
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PEM of a certificate or of a private key (PKCS#8, {@code BEGIN PRIVATE KEY}). */
    public static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            if (object instanceof java.security.PrivateKey key) {
                writer.writeObject(new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", key.getEncoded()));
            } else {
                writer.writeObject(object);
            }
        }
        return out.toString();
    }

    /** Writes through a temporary file and a rename, so a reader never sees half a file. */
    static void replace(Path file, String content) throws IOException {
        Path temp = Files.createTempFile(file.getParent(), ".write", ".tmp");
        Files.writeString(temp, content);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
