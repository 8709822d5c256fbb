package io.mcpguard.core;

import io.mcpguard.core.bitbucket.BitbucketClient;
import io.mcpguard.core.server.HttpMcpServer;
import io.mcpguard.core.server.StdioMcpServer;
import io.mcpguard.core.tools.ToolCatalog;
import io.mcpguard.core.tools.ToolDefinition;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar bitbucket-mcp-core.jar --http [--host H] [--port N] | --stdio}; see {@link CoreConfig}. */
public final class CoreMain {
    private CoreMain() {}

    public static void main(String[] args) throws Exception {
        // Stdout belongs to the protocol in stdio mode: keep a handle on it, then send stray prints to stderr.
        PrintStream protocolOut = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        System.setOut(System.err);
        CoreConfig config;
        try {
            config = CoreConfig.from(args, System.getenv());
        } catch (CoreConfig.InvalidConfigException e) {
            System.err.println("bitbucket-mcp-core: " + e.getMessage());
            System.exit(2);
            return;
        }
        Logger log = LoggerFactory.getLogger(CoreMain.class);
        BitbucketClient bitbucket = new BitbucketClient(
                config.bitbucketUrl(), config.auth(), config.bitbucketTimeout(), config.maxRetryWait());
        List<ToolDefinition> tools = ToolCatalog.enabled(bitbucket, config.writes(), config.dangerous());
        log.info(
                "Bitbucket {} as {}; {} tools (writes {}, dangerous {})",
                config.bitbucketUrl(),
                config.auth().describe(),
                tools.size(),
                config.writes() ? "on" : "off",
                config.dangerous() ? "on" : "off");
        if (config.mode() == CoreConfig.Mode.STDIO) {
            StdioMcpServer.run(System.in, protocolOut, tools);
            return;
        }
        HttpMcpServer server = HttpMcpServer.start(
                config.host(),
                config.port(),
                config.keepAlive(),
                config.allowedHosts(),
                config.allowedOrigins(),
                tools);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                log.warn("shutdown: {}", e.toString());
            }
        }));
        log.info("MCP Streamable HTTP endpoint: {}", server.endpoint());
        server.join();
    }
}
