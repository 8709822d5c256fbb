package io.mcpguard.proxy.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.policy.OpaPolicyEngine;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The proxy's own {@link OpaPolicyEngine} in front of a real OPA with the repository's policies, started once per
 * test class: for tests of decisions without the rest of the proxy.
 *
 * <pre>{@code @RegisterExtension static final RealOpaEngine opa = new RealOpaEngine();}</pre>
 */
public final class RealOpaEngine implements BeforeAllCallback, AfterAllCallback {
    private OpaProcess opa;
    private EventLoopGroup loops;
    private OpaPolicyEngine engine;

    @Override
    public void beforeAll(ExtensionContext context) {
        opa = OpaProcess.startWithRepoPolicies();
        loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ProxyConfig config = ProxyConfig.parse("opa:\n  url: " + opa.url() + "\n  timeout: 5s\n", Map.of());
        engine = new OpaPolicyEngine(config.opa(), loops, new ObjectMapper());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (engine != null) engine.close();
        if (loops != null) loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        if (opa != null) opa.close();
    }

    public OpaPolicyEngine engine() {
        return engine;
    }
}
