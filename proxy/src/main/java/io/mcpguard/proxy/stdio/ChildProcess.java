package io.mcpguard.proxy.stdio;

import io.mcpguard.proxy.config.StdioServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One launched stdio server: its three pipes, each on a thread of its own (a pipe blocks, and no Netty event loop may
 * wait on one), and its end. The environment is exactly the configured one, nothing inherited; stderr goes to the
 * log line by line, cut and scrubbed; stopping closes stdin, waits, then terminates, then kills, each step bounded.
 */
final class ChildProcess {
    private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);
    /** The longest stderr line logged; the rest of it is dropped. */
    static final int MAX_STDERR_CHARS = 2048;
    /** stderr lines logged per second and child; beyond, counted and dropped. */
    static final int MAX_STDERR_LINES_PER_SECOND = 200;

    private static final String END = new String("end of input"); // identity marks the writer's stop

    private final Process process;
    private final String label;
    private final BlockingQueue<String> toStdin;
    private volatile boolean stopping;

    private ChildProcess(Process process, String label, int queueBound) {
        this.process = process;
        this.label = label;
        this.toStdin = new ArrayBlockingQueue<>(queueBound);
    }

    /**
     * Launches the configured command. Blocking (fork and exec): call it off the event loops.
     *
     * @param label names the child in logs and thread names ({@code shared}, or a subject's pseudonym)
     * @param onLine each line of stdout, on the child's reader thread
     * @param onExit once, when stdout ended and the process exited, with its exit code
     * @param scrub what a stderr line becomes before it is logged (credentials masked)
     */
    static ChildProcess start(
            StdioServer config,
            String label,
            Consumer<LineFramer.Frame> onLine,
            java.util.function.IntConsumer onExit,
            UnaryOperator<String> scrub)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(config.command());
        // Nothing of the proxy's environment unless listed: its own credentials (OPA, Redis, signing keys) stay out.
        builder.environment().clear();
        config.environment().forEach((name, value) -> builder.environment().put(name, value.reveal()));
        if (config.workingDir() != null) {
            builder.directory(config.workingDir().toFile());
        }
        Process process = builder.start();
        ChildProcess child = new ChildProcess(process, label, config.maxPending() * 2 + 16);
        child.thread("stdout", () -> child.readStdout(config.maxLineBytes(), onLine, onExit));
        child.thread("stderr", () -> child.logStderr(scrub));
        child.thread("stdin", child::writeStdin);
        log.atInfo()
                .addKeyValue("event.name", "stdio.started")
                .addKeyValue("stdio.child", label)
                .addKeyValue("process.pid", process.pid())
                .log("stdio MCP server started");
        return child;
    }

    private void thread(String pipe, Runnable body) {
        Thread thread = new Thread(body, "mcpguard-stdio-" + pipe + "-" + process.pid());
        thread.setDaemon(true);
        thread.start();
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Queues one message for stdin; false when the queue is full or the child is stopping (never blocks). */
    boolean send(String line) {
        return !stopping && toStdin.offer(line);
    }

    private void writeStdin() {
        try (OutputStream in = process.getOutputStream()) {
            while (true) {
                String line = toStdin.take();
                if (line == END) {
                    return; // closing stdin is the stdio transport's request to exit
                }
                in.write(line.getBytes(StandardCharsets.UTF_8));
                in.write('\n');
                if (toStdin.isEmpty()) {
                    in.flush();
                }
            }
        } catch (IOException e) {
            // The child closed its stdin or died; its stdout's end reports that.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readStdout(
            int maxLineBytes, Consumer<LineFramer.Frame> onLine, java.util.function.IntConsumer onExit) {
        LineFramer framer = new LineFramer(process.getInputStream(), maxLineBytes);
        try {
            for (LineFramer.Frame frame = framer.next(); frame != null; frame = framer.next()) {
                onLine.accept(frame);
            }
        } catch (IOException | RuntimeException e) {
            log.atWarn()
                    .addKeyValue("event.name", "stdio.stdout_failed")
                    .addKeyValue("stdio.child", label)
                    .addKeyValue("error.type", e.getClass().getSimpleName())
                    .log("reading the stdio MCP server's output failed");
        }
        // stdout ended: the child exited or is about to; a child that closed stdout but lives on is ended here.
        int code;
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
            }
            code = process.isAlive() ? -1 : process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = -1;
        }
        toStdin.clear();
        toStdin.offer(END);
        onExit.accept(code);
    }

    private void logStderr(UnaryOperator<String> scrub) {
        long windowStart = System.nanoTime();
        int inWindow = 0;
        long dropped = 0;
        try (BufferedReader err =
                new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = readBounded(err)) != null) {
                if (line.isBlank()) {
                    continue;
                }
                long now = System.nanoTime();
                if (now - windowStart >= 1_000_000_000L) {
                    reportDropped(dropped);
                    windowStart = now;
                    inWindow = 0;
                    dropped = 0;
                }
                // A child that floods stderr must not flood the proxy's log (and what ships it) with it.
                if (++inWindow > MAX_STDERR_LINES_PER_SECOND) {
                    dropped++;
                    continue;
                }
                log.atInfo()
                        .addKeyValue("event.name", "stdio.stderr")
                        .addKeyValue("stdio.child", label)
                        .addKeyValue("process.pid", process.pid())
                        .log(scrub.apply(line));
            }
        } catch (IOException e) {
            // stderr closed with the process
        }
        reportDropped(dropped);
    }

    private void reportDropped(long dropped) {
        if (dropped > 0) {
            log.atWarn()
                    .addKeyValue("event.name", "stdio.stderr_dropped")
                    .addKeyValue("stdio.child", label)
                    .addKeyValue("stdio.dropped_lines", dropped)
                    .log("the stdio MCP server wrote more to stderr than the log takes; lines dropped");
        }
    }

    /** One stderr line cut to {@link #MAX_STDERR_CHARS}; the rest of it is read and dropped, never held. */
    private static String readBounded(BufferedReader in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                return line.toString();
            }
            if (line.length() < MAX_STDERR_CHARS) {
                line.append((char) c);
            }
        }
        return line.length() == 0 ? null : line.toString();
    }

    /**
     * Ends the child: stdin closed (the stdio transport's way to ask it to exit), {@code grace} to exit, then SIGTERM
     * and a second, then SIGKILL. Blocking, bounded by about {@code grace} plus two seconds.
     */
    void stop(Duration grace) {
        stopping = true;
        toStdin.clear();
        toStdin.offer(END);
        try {
            if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            process.destroy();
            if (process.waitFor(1, TimeUnit.SECONDS)) {
                return;
            }
            process.destroyForcibly();
            process.waitFor(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            log.atInfo()
                    .addKeyValue("event.name", "stdio.stopped")
                    .addKeyValue("stdio.child", label)
                    .addKeyValue("process.pid", process.pid())
                    .addKeyValue("stdio.forced", process.isAlive())
                    .log("stdio MCP server stopped");
        }
    }

    boolean stopping() {
        return stopping;
    }
}
