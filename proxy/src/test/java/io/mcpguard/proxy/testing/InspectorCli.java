package io.mcpguard.proxy.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The MCP Inspector CLI (from the tool cache) run against a Streamable HTTP endpoint, JSON out. */
public final class InspectorCli {
    private InspectorCli() {}

    /** What one CLI run printed and how it ended. */
    public record Run(int exitCode, String stdout, String stderr) {
        /** The tool names of a {@code --method tools/list} run, which must have succeeded. */
        public List<String> toolNames() throws IOException {
            if (exitCode != 0) {
                throw new AssertionError("the Inspector CLI failed (" + exitCode + "): " + stderr);
            }
            List<String> names = new ArrayList<>();
            new ObjectMapper()
                    .readTree(stdout)
                    .at("/result/tools")
                    .forEach(t -> names.add(t.path("name").asText()));
            return names;
        }
    }

    /** Runs {@code inspector --cli --server-url URL --transport http --format json ARGS...}; at most two minutes. */
    public static Run run(String url, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Tools.tool("inspector").toString(),
                "--cli",
                "--server-url",
                url,
                "--transport",
                "http",
                "--format",
                "json"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("MCP_INSPECTOR_SECRET_STORE", "memory");
        ProcessRuns.Ended ended = ProcessRuns.run(builder, "the Inspector CLI");
        return new Run(ended.exitCode(), ended.stdout(), ended.stderr());
    }
}
