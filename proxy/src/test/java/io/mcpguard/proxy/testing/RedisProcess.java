package io.mcpguard.proxy.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis ({@code redis-server}, Debian's package, which {@code .ci/run} installs) on a loopback port, in memory
 * only (no RDB, no AOF). Can be stopped and started again on the same port, to test what the proxy does while Redis
 * is away; a restarted Redis has lost every bucket and every loaded script, as a real one without persistence would.
 */
public final class RedisProcess implements AutoCloseable {
    private final int port;
    private final String password;
    private final Path log;
    private final Path tls;
    private Process process;

    /** @param password the {@code requirepass}, or null for none */
    public RedisProcess(String password) {
        this(password, null);
    }

    /**
     * A Redis that speaks TLS only, with a server certificate for 127.0.0.1 issued by a CA made for it (openssl) in
     * {@code dir}; {@link #caFile()} is that CA.
     */
    public static RedisProcess withTls(Path dir) {
        String subject = "/CN=mcpguard test redis CA";
        openssl(
                dir,
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                subject,
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem");
        openssl(
                dir,
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                "server.key",
                "-out",
                "server.csr");
        try {
            Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        openssl(
                dir,
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "san.ext",
                "-out",
                "server.pem");
        return new RedisProcess(null, dir);
    }

    private static void openssl(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("openssl is needed to make the test's TLS certificates", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private RedisProcess(String password, Path tls) {
        this.port = Tools.freePort();
        this.password = password;
        this.tls = tls;
        try {
            this.log = Files.createTempFile("redis-", ".log");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static RedisProcess started() {
        RedisProcess redis = new RedisProcess(null);
        redis.start();
        return redis;
    }

    public String url() {
        return (tls == null ? "redis" : "rediss") + "://127.0.0.1:" + port;
    }

    /** The CA that issued a TLS Redis's certificate. */
    public Path caFile() {
        return tls.resolve("ca.pem");
    }

    public int port() {
        return port;
    }

    /** Starts redis-server, or fails naming what to install: a test needing Redis never skips. */
    public void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        Path binary = binary();
        List<String> command = new ArrayList<>(List.of(
                binary.toString(),
                "--port",
                Integer.toString(tls == null ? port : 0),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
                "--loglevel",
                "warning"));
        if (tls != null) {
            command.addAll(List.of(
                    "--tls-port",
                    Integer.toString(port),
                    "--tls-cert-file",
                    tls.resolve("server.pem").toString(),
                    "--tls-key-file",
                    tls.resolve("server.key").toString(),
                    "--tls-ca-cert-file",
                    tls.resolve("ca.pem").toString(),
                    "--tls-auth-clients",
                    "no"));
        }
        if (password != null) {
            command.add("--requirepass");
            command.add(password);
        }
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server", e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (!process.isAlive()) {
                    break;
                }
                sleep();
            }
        }
        throw new IllegalStateException("redis-server did not start on port " + port + "; its log: " + logText());
    }

    private static Path binary() {
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/sbin")) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("redis-server is not installed; the quota tests need a real Redis:"
                + " apt-get update && apt-get install -y redis-server (.ci/run does this)");
    }

    /** Kills Redis at once (SIGKILL), as a crashed or partitioned node would vanish. */
    public void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(unreadable)";
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
