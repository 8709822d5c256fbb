package io.mcpguard.proxy.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A stdio MCP server the proxy launches as a child process and serves over Streamable HTTP ({@code upstream.stdio.*});
 * when set, {@code upstream.url} is not used.
 *
 * @param command the program and its arguments, never with a secret in them (a command line is visible to every
 *     local user in {@code /proc}); checked at start
 * @param workingDir the child's working directory, or null for the proxy's own
 * @param environment the child's whole environment: the variables named in {@code env.pass} with the proxy's values
 *     (the only way a secret reaches the child), then the non-secret values of {@code env.set}; nothing else
 * @param perSubject one child per subject ({@code mode: per-subject}) instead of one for all ({@code shared})
 * @param maxProcesses children alive at once, all subjects together; a new subject beyond it is refused
 * @param idleTimeout a per-subject child without a request this long is shut down
 * @param startupTimeout from launch to the child's answer to {@code initialize}
 * @param restartBackoff the wait before the first restart after a child ended; doubled per failure up to {@code
 *     restartBackoffMax}, reset once a child has stayed up that long
 * @param restartBackoffMax the longest wait between restarts
 * @param shutdownGrace how long a child may take to exit once its stdin is closed, before it is terminated
 * @param maxLineBytes the longest line (one JSON-RPC message) the proxy reads from the child; a longer answer fails
 *     closed
 * @param maxPending requests in flight to one child; beyond, refused
 */
public record StdioServer(
        List<String> command,
        Path workingDir,
        Map<String, Secret> environment,
        boolean perSubject,
        int maxProcesses,
        Duration idleTimeout,
        Duration startupTimeout,
        Duration restartBackoff,
        Duration restartBackoffMax,
        Duration shutdownGrace,
        int maxLineBytes,
        int maxPending) {

    public StdioServer {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }
}
