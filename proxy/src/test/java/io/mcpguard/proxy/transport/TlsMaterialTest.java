package io.mcpguard.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mcpguard.proxy.testing.TestCertificates;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A listener's certificate and key: read from PEM, checked to belong together, refused without their content. */
class TlsMaterialTest {
    @TempDir
    Path dir;

    private static KeyPair keys(String algorithm) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        if (algorithm.equals("EC")) {
            generator.initialize(256);
        } else if (algorithm.equals("DSA") || algorithm.equals("RSA")) {
            generator.initialize(2048);
        }
        return generator.generateKeyPair();
    }

    private static X509Certificate selfSigned(KeyPair keys, String signatureAlgorithm) throws Exception {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                new X500Name("CN=proxy"),
                BigInteger.ONE,
                Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(Duration.ofDays(1))),
                new X500Name("CN=proxy"),
                keys.getPublic());
        return new JcaX509CertificateConverter()
                .getCertificate(
                        builder.build(new JcaContentSignerBuilder(signatureAlgorithm).build(keys.getPrivate())));
    }

    private TlsMaterial write(X509Certificate cert, java.security.PrivateKey key) throws IOException {
        Files.writeString(dir.resolve("tls.crt"), TestCertificates.pem(cert));
        Files.writeString(dir.resolve("tls.key"), TestCertificates.pem(key));
        return TlsMaterial.read(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    }

    @Test
    void an_rsa_an_ec_and_an_ed25519_pair_are_each_read() throws Exception {
        for (String[] kind :
                new String[][] {{"RSA", "SHA256withRSA"}, {"EC", "SHA256withECDSA"}, {"Ed25519", "Ed25519"}}) {
            KeyPair keys = keys(kind[0]);
            X509Certificate cert = selfSigned(keys, kind[1]);

            TlsMaterial material = write(cert, keys.getPrivate());

            assertThat(material.chain()).as(kind[0]).containsExactly(cert);
            assertThat(material.key().getEncoded())
                    .as(kind[0])
                    .isEqualTo(keys.getPrivate().getEncoded());
        }
    }

    @Test
    void a_key_of_the_same_algorithm_but_another_pair_is_refused() throws Exception {
        X509Certificate cert = selfSigned(keys("EC"), "SHA256withECDSA");

        assertThatThrownBy(() -> write(cert, keys("EC").getPrivate()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tls.key: the key does not belong to the certificate in");
    }

    @Test
    void a_key_of_another_algorithm_than_the_certificate_is_refused() throws Exception {
        X509Certificate rsaCert = selfSigned(keys("RSA"), "SHA256withRSA");
        X509Certificate edCert = selfSigned(keys("Ed25519"), "Ed25519");

        assertThatThrownBy(() -> write(rsaCert, keys("EC").getPrivate()))
                .hasMessageContaining("the key does not belong to the certificate");
        assertThatThrownBy(() -> write(edCert, keys("RSA").getPrivate()))
                .hasMessageContaining("the key does not belong to the certificate");
    }

    @Test
    void a_pkcs8_key_of_an_unsupported_algorithm_is_refused_by_name() throws Exception {
        KeyPair dsa = keys("DSA");
        X509Certificate cert = selfSigned(dsa, "SHA256withDSA");

        assertThatThrownBy(() -> write(cert, dsa.getPrivate()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("a PKCS#8 key of an unsupported algorithm");
    }

    @Test
    void a_sec1_key_gets_the_conversion_hint_and_any_other_text_gets_none() throws Exception {
        KeyPair keys = keys("EC");
        Files.writeString(dir.resolve("tls.crt"), TestCertificates.pem(selfSigned(keys, "SHA256withECDSA")));
        Path key = dir.resolve("tls.key");

        Files.writeString(key, "-----BEGIN EC PRIVATE KEY-----\nc2VjcmV0\n-----END EC PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TlsMaterial.read(dir.resolve("tls.crt"), key))
                .hasMessageContaining("PKCS#1/SEC1")
                .hasMessageNotContaining("c2VjcmV0");

        Files.writeString(key, "not a key: c2VjcmV0\n");
        assertThatThrownBy(() -> TlsMaterial.read(dir.resolve("tls.crt"), key))
                .hasMessageEndingWith("expected an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY)")
                .hasMessageNotContaining("c2VjcmV0");
    }

    @Test
    void a_certificate_file_without_a_certificate_is_refused_without_its_content() throws Exception {
        KeyPair keys = keys("EC");
        Files.writeString(dir.resolve("tls.key"), TestCertificates.pem(keys.getPrivate()));
        Path cert = dir.resolve("tls.crt");

        Files.writeString(cert, "");
        assertThatThrownBy(() -> TlsMaterial.read(cert, dir.resolve("tls.key")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tls.crt: no PEM certificate in the file");

        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nc2VjcmV0IGJ5dGVz\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> TlsMaterial.read(cert, dir.resolve("tls.key")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tls.crt: not a PEM certificate file")
                .hasMessageNotContaining("c2VjcmV0");
    }
}
