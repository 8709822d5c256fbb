package io.mcpguard.proxy.testing;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.policy.SubjectResolver;
import io.mcpguard.proxy.transport.ProxyServer;
import java.util.Map;

/** The proxy, in this JVM, on a free loopback port, in front of a given upstream and OPA. */
public final class ProxyHarness implements AutoCloseable {
    private final ProxyServer server;
    private final int port;

    public ProxyHarness(String upstreamUrl, String opaUrl) {
        this(upstreamUrl, opaUrl, Map.of());
    }

    /**
     * @param settings extra settings by dotted key ({@code limits.max-body-bytes}: {@code 64KiB}); applied through
     *     the {@code MCPGUARD_*} environment overrides, so tests exercise that path too. Authentication is off
     *     ({@code auth.mode: none}) unless a setting turns it on; the identity tests do.
     */
    public ProxyHarness(String upstreamUrl, String opaUrl, Map<String, String> settings) {
        this(upstreamUrl, opaUrl, settings, "", null);
    }

    /**
     * @param subjects the subject of every request, standing in for the identity stage; a test-side construction,
     *     not something a client can influence
     */
    public ProxyHarness(String upstreamUrl, String opaUrl, Map<String, String> settings, SubjectResolver subjects) {
        this(upstreamUrl, opaUrl, settings, "", subjects);
    }

    /** @param extraYaml more of the config file, for what has no environment form (mappings such as tool scopes) */
    public ProxyHarness(String upstreamUrl, String opaUrl, Map<String, String> settings, String extraYaml) {
        this(upstreamUrl, opaUrl, settings, extraYaml, null);
    }

    /**
     * @param subjects the subject of every request; null for the proxy's own identity stage when the settings
     *     turn authentication on, else {@link TestSubjects#ACME_VIEWERS}
     */
    public ProxyHarness(
            String upstreamUrl,
            String opaUrl,
            Map<String, String> settings,
            String extraYaml,
            SubjectResolver subjects) {
        String yaml = """
                listen:
                  host: 127.0.0.1
                  port: 0
                upstream:
                  url: %s
                  response-timeout: 30s
                opa:
                  url: %s
                  timeout: 2s
                """.formatted(upstreamUrl, opaUrl) + extraYaml;
        Map<String, String> env = new java.util.HashMap<>();
        if (!settings.containsKey("auth.mode")) {
            env.put("MCPGUARD_AUTH_MODE", "none");
        }
        // The audit trail (on by default, spooled under /var/lib) is the audit tests' subject; the others run
        // without it unless a setting turns it on.
        if (!settings.containsKey("audit.enabled")) {
            env.put("MCPGUARD_AUDIT_ENABLED", "false");
        }
        if (!settings.containsKey("audit.spool-dir") && !settings.containsKey("audit.spool")) {
            env.put("MCPGUARD_AUDIT_SPOOL", "memory");
        }
        settings.forEach((key, value) -> env.put(
                "MCPGUARD_"
                        + key.toUpperCase(java.util.Locale.ROOT)
                                .replace('.', '_')
                                .replace('-', '_'),
                value));
        ProxyConfig config = ProxyConfig.parse(yaml, env);
        if (subjects == null && !settings.containsKey("auth.mode")) {
            // Identity is off for this test (above), and the policy gives an anonymous caller nothing: the test
            // speaks as an authenticated viewer of acme instead. Tests of identity itself set auth.mode.
            subjects = TestSubjects.ACME_VIEWERS;
        }
        this.server = subjects == null ? new ProxyServer(config) : new ProxyServer(config, subjects);
        try {
            this.port = server.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public String mcpUrl() {
        return baseUrl() + "/mcp";
    }

    @Override
    public void close() {
        server.close();
    }
}
