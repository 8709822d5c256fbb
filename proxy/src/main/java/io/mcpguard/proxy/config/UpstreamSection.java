package io.mcpguard.proxy.config;

import io.mcpguard.proxy.config.ProxyConfig.*;
import java.util.List;

/** The {@code upstream.*} keys of the proxy's own credential toward the guarded server. */
final class UpstreamSection {
    private UpstreamSection() {}

    static String credentialHeader(ConfigSource src) {
        String name = src.string("upstream.credential-header", "Authorization");
        src.require(
                name.matches("[A-Za-z0-9-]{1,64}")
                        && !List.of("host", "content-length", "transfer-encoding", "connection", "mcp-session-id")
                                .contains(name.toLowerCase(java.util.Locale.ROOT)),
                "config key 'upstream.credential-header': expected a header name such as Authorization, got '" + name
                        + "'");
        return name;
    }

    /**
     * The proxy's credential for the upstream, from a file ({@code upstream.credential-file}, e.g. a mounted
     * Kubernetes secret) or an environment variable named by {@code upstream.credential-env}. Never a config value
     * itself, so it cannot end up in a config error message.
     */
    static Secret upstreamCredential(ConfigSource src) {
        return SecretKeys.load(src, "upstream.credential", 0);
    }
}
