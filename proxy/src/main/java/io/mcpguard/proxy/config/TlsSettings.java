package io.mcpguard.proxy.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * TLS on both hops: the listener's certificate, key and client certificates ({@code listen.tls.*}), and what the
 * proxy trusts toward an {@code https://} upstream ({@code upstream.tls.*}). Keys and certificates come from files
 * only, so a Secret mounted by cert-manager can rotate them.
 *
 * @param listener TLS on the listener, or null for plain HTTP
 * @param upstream trust toward an https upstream, or null when the upstream is plain http
 */
public record TlsSettings(Listener listener, Upstream upstream) {
    /** The only protocol versions the listener may speak; older ones have known weaknesses (RFC 8996). */
    public static final List<String> ALLOWED_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * @param certFile the certificate chain, PEM, leaf first ({@code tls.crt})
     * @param keyFile the private key, PEM in PKCS#8 ({@code tls.key}; cert-manager: {@code privateKey.encoding:
     *     PKCS8})
     * @param protocols enabled protocol versions, a subset of {@link #ALLOWED_PROTOCOLS}
     * @param reloadInterval how often the files are re-read in case a change event was missed
     * @param clientAuth whether clients present certificates
     * @param clientCaFile the CA bundle client certificates must chain to, or null when client-auth is none
     * @param clientSubjects a client certificate's name (SAN URI or DNS name, else its CN) → the roles of the
     *     subject of that name; a verified certificate whose name is not here identifies no one
     */
    public record Listener(
            Path certFile,
            Path keyFile,
            List<String> protocols,
            Duration reloadInterval,
            ClientAuth clientAuth,
            Path clientCaFile,
            Map<String, List<String>> clientSubjects) {
        public Listener {
            protocols = List.copyOf(protocols);
            clientSubjects = Map.copyOf(clientSubjects);
        }
    }

    /** Whether the listener asks for client certificates. */
    public enum ClientAuth {
        /** no client certificates */
        NONE,
        /** asked for; a client without one may still authenticate another way */
        OPTIONAL,
        /** the handshake fails without a certificate that chains to the client CA */
        REQUIRED
    }

    /** @param caFile the CA bundle the upstream's certificate must chain to, or null for the JDK's trust store */
    public record Upstream(Path caFile) {}

    /** Reads {@code listen.tls.*} and {@code upstream.tls.*}; problems are collected in {@code src}. */
    static TlsSettings parse(ConfigSource src, boolean upstreamIsHttps) {
        return new TlsSettings(listener(src), upstream(src, upstreamIsHttps));
    }

    private static Listener listener(ConfigSource src) {
        boolean enabled = src.bool("listen.tls.enabled", false);
        Path cert = file(src, "listen.tls.cert-file", enabled);
        Path key = file(src, "listen.tls.key-file", enabled);
        List<String> protocols = src.list("listen.tls.protocols", ALLOWED_PROTOCOLS);
        src.require(
                !protocols.isEmpty() && ALLOWED_PROTOCOLS.containsAll(protocols),
                "config key 'listen.tls.protocols': expected TLSv1.3 and/or TLSv1.2 (older versions are refused),"
                        + " got '" + String.join(",", protocols) + "'");
        Duration reload = src.duration(
                "listen.tls.reload-interval", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofHours(1));
        String clientAuthText = src.string("listen.tls.client-auth", "none");
        ClientAuth clientAuth = switch (clientAuthText.toLowerCase(Locale.ROOT)) {
            case "none" -> ClientAuth.NONE;
            case "optional" -> ClientAuth.OPTIONAL;
            case "required" -> ClientAuth.REQUIRED;
            default -> {
                src.require(
                        false,
                        "config key 'listen.tls.client-auth': expected none, optional or required, got '"
                                + clientAuthText + "'");
                yield ClientAuth.NONE;
            }
        };
        Path clientCa = file(src, "listen.tls.client-ca-file", enabled && clientAuth != ClientAuth.NONE);
        Map<String, List<String>> subjects = src.listMap("listen.tls.client-subjects");
        src.require(
                enabled || (clientAuth == ClientAuth.NONE && subjects.isEmpty()),
                "config keys 'listen.tls.client-*' need 'listen.tls.enabled: true'");
        src.require(
                subjects.isEmpty() || clientAuth != ClientAuth.NONE,
                "config key 'listen.tls.client-subjects' needs 'listen.tls.client-auth' optional or required");
        if (!enabled) {
            return null;
        }
        return new Listener(cert, key, protocols, reload, clientAuth, clientCa, subjects);
    }

    private static Upstream upstream(ConfigSource src, boolean upstreamIsHttps) {
        Path ca = file(src, "upstream.tls.ca-file", false);
        src.require(
                ca == null || upstreamIsHttps, "config key 'upstream.tls.ca-file' needs an https:// 'upstream.url'");
        return upstreamIsHttps ? new Upstream(ca) : null;
    }

    /** A file that must exist when given; null when not given and not required. */
    private static Path file(ConfigSource src, String key, boolean required) {
        String text = src.string(key, "");
        if (text.isEmpty()) {
            src.require(!required, "config key '" + key + "' is required");
            return null;
        }
        Path path = Path.of(text);
        src.require(Files.isReadable(path), "config key '" + key + "': no readable file '" + text + "'");
        return path;
    }
}
