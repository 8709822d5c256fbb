package io.mcpguard.proxy.testing;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The three real parts most end-to-end tests need — a real OPA with the repository's policies, an MCP server that
 * records what reaches it, and the proxy in front — started once per test class and stopped after it; the
 * recorder is cleared before each test.
 *
 * <pre>{@code @RegisterExtension static final ProxyStack stack = ProxyStack.with(Map.of("limits.max-body-bytes", "64KiB"));}</pre>
 */
public final class ProxyStack implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
    private final Map<String, String> settings;
    private final Duration keepAlive;
    private OpaProcess opa;
    private RecordingUpstream upstream;
    private ProxyHarness proxy;

    private ProxyStack(Map<String, String> settings, Duration keepAlive) {
        this.settings = Map.copyOf(settings);
        this.keepAlive = keepAlive;
    }

    /** @param settings proxy settings by dotted key, on top of the harness defaults */
    public static ProxyStack with(Map<String, String> settings) {
        return new ProxyStack(settings, Duration.ofSeconds(15));
    }

    /** @param keepAlive how often the upstream pings open streams */
    public static ProxyStack with(Map<String, String> settings, Duration keepAlive) {
        return new ProxyStack(settings, keepAlive);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        opa = OpaProcess.startWithRepoPolicies();
        upstream = new RecordingUpstream(true, keepAlive);
        proxy = new ProxyHarness(upstream.url(), opa.url(), settings);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        opa.start(); // a test may have stopped it
        upstream.resetStreamGate();
        upstream.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (proxy != null) proxy.close();
        if (upstream != null) upstream.close();
        if (opa != null) opa.close();
    }

    public OpaProcess opa() {
        return opa;
    }

    public RecordingUpstream upstream() {
        return upstream;
    }

    public ProxyHarness proxy() {
        return proxy;
    }
}
