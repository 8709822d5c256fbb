package io.mcpguard.proxy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A server the tests run as a process of its own (an MCP server from npm): started, waited for until it prints the
 * line that says it listens, and stopped. What it printed first is kept (4 KiB) for the message when it never does.
 */
public final class ServerProcess implements AutoCloseable {
    private final Process process;

    /**
     * @param name how the failure message names it
     * @param ready the line it prints once it listens
     */
    public ServerProcess(ProcessBuilder builder, String name, Predicate<String> ready) {
        try {
            process = builder.redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name, e);
        }
        CountDownLatch listening = new CountDownLatch(1);
        StringBuilder seen = new StringBuilder();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader lines = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = lines.readLine()) != null; ) {
                            synchronized (seen) {
                                if (seen.length() < 4096) {
                                    seen.append(line).append('\n');
                                }
                            }
                            if (ready.test(line)) {
                                listening.countDown();
                            }
                        }
                    } catch (IOException e) {
                        // the process ended; waiting below reports it
                    }
                },
                name + "-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!listening.await(60, TimeUnit.SECONDS)) {
                close();
                synchronized (seen) {
                    throw new IllegalStateException(name + " did not start listening; it printed:\n" + seen);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while starting " + name, e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
