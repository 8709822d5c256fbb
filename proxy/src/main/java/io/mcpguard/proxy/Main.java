package io.mcpguard.proxy;

import io.mcpguard.proxy.admin.ExplainCommand;
import io.mcpguard.proxy.admin.PinCommand;
import io.mcpguard.proxy.admin.ReplayCommand;
import io.mcpguard.proxy.config.ConfigException;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.transport.ProxyServer;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * {@code java -jar proxy.jar [config.yaml]}; the file may also be named by {@code MCPGUARD_CONFIG}. {@code java -jar
 * proxy.jar pin --server URL} writes a manifest of a server's tool definitions ({@link PinCommand}); {@code java
 * -jar proxy.jar replay --inputs FILE --policy DIR} replays recorded policy inputs ({@link ReplayCommand}); {@code
 * explain} says why a decision was taken ({@link ExplainCommand}); {@code report} writes the compliance report over
 * the audit trail ({@link io.mcpguard.proxy.report.ReportCommand}).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        // The OpenTelemetry SDK logs through java.util.logging; its lines join ours, with our format and levels.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        if (args.length > 0 && List.of("pin", "replay", "explain", "report").contains(args[0])) {
            String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
            System.exit(
                    switch (args[0]) {
                        case "pin" -> PinCommand.run(rest, System.getenv(), System.out, System.err);
                        case "replay" -> ReplayCommand.run(rest, System.getenv(), System.out, System.err);
                        case "report" -> io.mcpguard.proxy.report.ReportCommand.run(rest, System.out, System.err);
                        default -> ExplainCommand.run(rest, System.getenv(), System.out, System.err);
                    });
            return;
        }
        String file = args.length > 0 ? args[0] : System.getenv("MCPGUARD_CONFIG");
        ProxyConfig config;
        try {
            config = ProxyConfig.load(file == null ? null : Path.of(file), System.getenv());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        ProxyServer server;
        try {
            server = new ProxyServer(config);
        } catch (IllegalStateException e) { // a referenced file (the API key store) is not valid
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        server.start();
        Thread.currentThread().join();
    }
}
