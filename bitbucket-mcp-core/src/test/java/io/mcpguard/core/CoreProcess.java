package io.mcpguard.core;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The core started the way it is deployed: {@code java … CoreMain --http --port 0}, configured only through the
 * environment. The endpoint is read from the start-up log line on stderr.
 */
final class CoreProcess implements AutoCloseable {
    private static final Pattern ENDPOINT = Pattern.compile("MCP Streamable HTTP endpoint: (http://\\S+)");

    private final Process process;
    private final URI endpoint;
    private final StringBuffer log = new StringBuffer();

    private CoreProcess(Map<String, String> env) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command =
                new ArrayList<>(List.of(java, "-cp", classpath, CoreMain.class.getName(), "--http", "--port", "0"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(env);
        process = builder.start();
        CompletableFuture<URI> found = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader err = new BufferedReader(
                            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = err.readLine()) != null) {
                            log.append(line).append('\n');
                            Matcher m = ENDPOINT.matcher(line);
                            if (m.find()) found.complete(URI.create(m.group(1)));
                        }
                    } catch (java.io.IOException ignored) {
                        // the process went away; the future below reports it
                    }
                    found.completeExceptionally(new AssertionError("core exited before serving:\n" + log));
                },
                "core-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            endpoint = found.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new AssertionError("core did not start:\n" + log, e);
        }
    }

    static CoreProcess start(Map<String, String> env) throws Exception {
        return new CoreProcess(env);
    }

    URI endpoint() {
        return endpoint;
    }

    String log() {
        return log.toString();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
