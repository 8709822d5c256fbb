package io.mcpguard.proxy.transport;

import io.mcpguard.proxy.config.TlsSettings;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's TLS: the server context built from the certificate and key files, kept current as the files
 * change (cert-manager rotates them), on a thread of its own — never an event loop.
 *
 * <p>Each new connection takes the context current at its accept; a rotation swaps the reference, so connections
 * open at the time keep the session they negotiated and nothing is dropped. Files that no longer load (a key that
 * does not match the certificate, half a rotation written) keep the previous context and log a WARN; the next
 * complete version is picked up. The directories are watched (Kubernetes swaps a Secret's files by renaming a
 * symlink) and the files re-read every reload interval in case an event was missed; the content's digest says
 * whether anything changed.
 */
public final class ListenerTls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ListenerTls.class);

    private final TlsSettings.Listener settings;
    private final AtomicReference<SslContext> current = new AtomicReference<>();
    private final WatchService watch;
    private final Thread thread;
    private volatile boolean closed;
    private byte[] digest;

    /**
     * Loads the files and starts watching them.
     *
     * @throws IllegalStateException when the files do not make a usable context: the proxy does not start
     */
    public ListenerTls(TlsSettings.Listener settings) {
        this.settings = settings;
        this.digest = digestOfFiles();
        try {
            current.set(build(settings));
        } catch (IOException e) {
            throw new IllegalStateException("config key 'listen.tls': " + e.getMessage(), e);
        }
        try {
            this.watch = settings.certFile().getFileSystem().newWatchService();
            Set<Path> directories = new LinkedHashSet<>();
            for (Path file : files()) {
                directories.add(file.toAbsolutePath().getParent());
            }
            for (Path directory : directories) {
                directory.register(
                        watch,
                        StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            }
        } catch (IOException e) {
            throw new IllegalStateException("config key 'listen.tls': cannot watch the certificate files", e);
        }
        this.thread = new Thread(this::run, "listener-tls-watch");
        thread.setDaemon(true);
        thread.start();
        log.atInfo()
                .addKeyValue("cert_file", settings.certFile())
                .addKeyValue("protocols", settings.protocols())
                .addKeyValue("client_auth", settings.clientAuth().name().toLowerCase(java.util.Locale.ROOT))
                .addKeyValue("not_after", leafNotAfter())
                .log("listener TLS loaded");
    }

    /** A handler for a new connection, with the context current now. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        return current.get().newHandler(alloc);
    }

    /** The server context from the files; refuses protocol versions below TLS 1.2 whatever the JDK allows. */
    static SslContext build(TlsSettings.Listener settings) throws IOException {
        TlsMaterial material = TlsMaterial.read(settings.certFile(), settings.keyFile());
        SslContextBuilder builder = SslContextBuilder.forServer(
                        material.key(), material.chain().toArray(X509Certificate[]::new))
                .sslProvider(SslProvider.JDK)
                .protocols(settings.protocols());
        if (settings.clientAuth() != TlsSettings.ClientAuth.NONE) {
            builder.trustManager(
                            TlsMaterial.certificates(settings.clientCaFile()).toArray(X509Certificate[]::new))
                    .clientAuth(
                            settings.clientAuth() == TlsSettings.ClientAuth.REQUIRED
                                    ? ClientAuth.REQUIRE
                                    : ClientAuth.OPTIONAL);
        }
        return builder.build();
    }

    private void run() {
        long periodMillis = settings.reloadInterval().toMillis();
        while (!closed) {
            try {
                var key = watch.poll(periodMillis, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents(); // which event does not matter: the digest says whether the files changed
                    key.reset();
                    Thread.sleep(50); // let a writer finish the set
                }
                check();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) { // never let the watcher die: the next rotation must still be seen
                log.atWarn().setCause(e).log("listener TLS watcher failed once; watching on");
            }
        }
    }

    /** Rebuilds the context when the files' content changed since the last attempt. */
    void check() {
        byte[] now = digestOfFiles();
        if (now == null || Arrays.equals(now, digest)) {
            return; // unchanged, or a file gone for a moment (replaced by rename): keep serving what we have
        }
        digest = now;
        try {
            current.set(build(settings));
            log.atInfo()
                    .addKeyValue("event.name", "tls.reloaded")
                    .addKeyValue("cert_file", settings.certFile())
                    .addKeyValue("not_after", leafNotAfter())
                    .log("listener TLS certificate reloaded; new connections use it");
        } catch (IOException | RuntimeException e) {
            log.atWarn()
                    .addKeyValue("event.name", "tls.reload_failed")
                    .addKeyValue("cert_file", settings.certFile())
                    .addKeyValue("error", e.getMessage())
                    .log("listener TLS files changed but do not load; the previous certificate stays in use");
        }
    }

    private String leafNotAfter() {
        try {
            return TlsMaterial.certificates(settings.certFile())
                    .get(0)
                    .getNotAfter()
                    .toInstant()
                    .toString();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private java.util.List<Path> files() {
        return settings.clientCaFile() == null
                ? java.util.List.of(settings.certFile(), settings.keyFile())
                : java.util.List.of(settings.certFile(), settings.keyFile(), settings.clientCaFile());
    }

    /** One digest over every file, or null when one cannot be read right now. */
    private byte[] digestOfFiles() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path file : files()) {
                sha.update(Files.readAllBytes(file));
                sha.update((byte) 0);
            }
            return sha.digest();
        } catch (IOException e) {
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            watch.close();
        } catch (IOException e) {
            log.atDebug().setCause(e).log("closing the listener TLS watch");
        }
        thread.interrupt();
    }
}
