package io.mcpguard.proxy.testing;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.transport.ProxyServer;
import java.util.Map;

/** The proxy, in this JVM, on a free loopback port, in front of a given upstream and OPA. */
public final class ProxyHarness implements AutoCloseable {
    private final ProxyServer server;
    private final int port;

    public ProxyHarness(String upstreamUrl, String opaUrl, String extraYaml) {
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
                """.formatted(upstreamUrl, opaUrl) + (extraYaml == null ? "" : extraYaml);
        this.server = new ProxyServer(ProxyConfig.parse(yaml, Map.of()));
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
