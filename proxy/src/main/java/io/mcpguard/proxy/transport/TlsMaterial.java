package io.mcpguard.proxy.transport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A certificate chain and its private key read from PEM files, checked to belong together: a rotation that has
 * written the new certificate but not yet the new key must not be served (every handshake would fail).
 *
 * @param chain the chain, leaf first
 * @param key the leaf's private key
 */
record TlsMaterial(List<X509Certificate> chain, PrivateKey key) {
    private static final Pattern PKCS8 =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    /** Reads and checks a pair; the message of a failure names the file, never any of its content. */
    static TlsMaterial read(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = certificates(certFile);
        if (chain.isEmpty()) {
            throw new IOException(certFile + ": no PEM certificate in the file");
        }
        PrivateKey key = privateKey(keyFile);
        if (!belongTogether(chain.get(0), key)) {
            throw new IOException(keyFile + ": the key does not belong to the certificate in " + certFile);
        }
        return new TlsMaterial(List.copyOf(chain), key);
    }

    static List<X509Certificate> certificates(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes))
                    .stream()
                    .map(X509Certificate.class::cast)
                    .toList();
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not a PEM certificate file", e);
        }
    }

    private static PrivateKey privateKey(Path file) throws IOException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        Matcher m = PKCS8.matcher(pem);
        if (!m.find()) {
            String hint = pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY")
                    ? " (this is PKCS#1/SEC1; convert it with openssl pkcs8 -topk8 -nocrypt, or set cert-manager's"
                            + " privateKey.encoding: PKCS8)"
                    : "";
            throw new IOException(file + ": expected an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY)" + hint);
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm; try the next
            }
        }
        throw new IOException(file + ": a PKCS#8 key of an unsupported algorithm (RSA, EC or Ed25519 expected)");
    }

    /** Signs a fixed message with the key and verifies it with the certificate's public key. */
    private static boolean belongTogether(X509Certificate cert, PrivateKey key) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null || !cert.getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        try {
            byte[] probe = "mcpguard key pair check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
