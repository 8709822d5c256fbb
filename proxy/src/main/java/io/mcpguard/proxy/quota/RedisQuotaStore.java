package io.mcpguard.proxy.quota;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.policy.Decision.QuotaSpec;
import io.mcpguard.proxy.policy.Decision.StoreFailureMode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token buckets in Redis, shared by every replica of the proxy, so a limit the policy sets holds across all of them.
 *
 * <p>Each take is one server-side Lua script ({@value #SCRIPT_NAME}): it refills the bucket from the time elapsed on
 * the Redis server's clock, takes the cost if it is there, and sets the key to expire once the bucket would be full
 * again, all atomically, so two replicas taking at once never both spend the last token and idle buckets vanish on
 * their own. The script is sent by its SHA-1 ({@code EVALSHA}) and in full ({@code EVAL}) only when the server does
 * not know it yet (after a restart or a {@code SCRIPT FLUSH}).
 *
 * <p>Keys are {@code mcpguard:quota:{h}:limit:window}, where {@code h} is a hash of the policy's bucket key (tenant,
 * subject, tool class): no subject id is written to Redis in clear, and the braces make the key a Redis Cluster hash
 * tag, so everything of one bucket lives in one slot. Like {@link LocalQuotaStore}, a changed limit or window is a
 * fresh bucket.
 *
 * <p>Nothing here blocks the caller: commands are Lettuce's non-blocking ones, rejected at once while the connection
 * is down (never queued) and failed after {@code quota.redis.timeout}. When Redis cannot answer, the quota's {@code
 * on_store_failure} decides: {@code deny} fails the take (the gate refuses the call), {@code local} takes from this
 * replica's own bucket instead. An outage is one WARN ({@code event.name=quota.store_unavailable}) and one INFO when
 * Redis answers again, and is counted in {@code mcp.policy.quota.store.failures} by the mode applied. Lettuce
 * reconnects on its own; a first connection that failed is retried by the next take, at most once per second.
 */
public final class RedisQuotaStore implements QuotaStore {
    private static final Logger log = LoggerFactory.getLogger(RedisQuotaStore.class);
    private static final String SCRIPT_NAME = "mcpguard token bucket";
    private static final AttributeKey<String> MODE = AttributeKey.stringKey("mcp.policy.quota.on_store_failure");
    private static final Attributes DENIED = Attributes.of(MODE, "deny");
    private static final Attributes FELL_BACK = Attributes.of(MODE, "local");
    private static final long RECONNECT_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * KEYS[1] the bucket; ARGV limit, window in ms, cost. Returns {granted (0|1), whole tokens left, retry after ms}.
     * Tokens and the last refill time (µs, the server's clock) live in one hash; numbers are written with all their
     * digits, since Lua's default formatting would round a microsecond timestamp.
     */
    static final String SCRIPT = "-- " + SCRIPT_NAME + "\n"
            + "local limit = tonumber(ARGV[1])\n"
            + "local window = tonumber(ARGV[2])\n"
            + "local cost = tonumber(ARGV[3])\n"
            + "local t = redis.call('TIME')\n"
            + "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
            + "local perMicro = limit / (window * 1000)\n"
            + "local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')\n"
            + "local tokens = tonumber(state[1])\n"
            + "local at = tonumber(state[2])\n"
            + "if tokens == nil or at == nil then tokens = limit; at = now end\n"
            + "tokens = math.min(limit, tokens + math.max(0, now - at) * perMicro)\n"
            + "local granted = 0\n"
            + "local retry = 0\n"
            + "if cost <= tokens then\n"
            + "  tokens = tokens - cost\n"
            + "  granted = 1\n"
            + "elseif cost > limit then\n"
            + "  retry = window\n"
            + "else\n"
            + "  retry = math.max(1, math.ceil((cost - tokens) / perMicro / 1000))\n"
            + "end\n"
            + "redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.0f', now))\n"
            + "redis.call('PEXPIRE', KEYS[1], window)\n"
            + "return {granted, math.floor(tokens), retry}\n";

    private final RedisClient client;
    private final ClientResources resources;
    private final RedisURI uri;
    private final String sha;
    private final Duration timeout;
    private final LocalQuotaStore fallback;
    private final LongCounter failures;
    private final LongAdder denied = new LongAdder();
    private final LongAdder fellBack = new LongAdder();
    private final AtomicBoolean unavailable = new AtomicBoolean();
    private volatile CompletableFuture<StatefulRedisConnection<String, String>> connection;
    private volatile long connectedAtNanos;

    /**
     * Connects at once, so a wrong password stops the start with a clear error; Redis merely unreachable does not
     * (it may start after the proxy): takes fail, as their policy says, until it answers.
     *
     * @param fallback the buckets of quotas whose policy says {@code local} while Redis cannot answer
     * @throws IllegalStateException when Redis refuses the credentials
     */
    public RedisQuotaStore(ProxyConfig.Quota.Redis config, LocalQuotaStore fallback, Meter meter) {
        this.timeout = config.timeout();
        this.fallback = fallback;
        RedisURI.Builder builder =
                RedisURI.builder(RedisURI.create(config.url())).withTimeout(config.timeout());
        if (config.password() != null && config.username() != null) {
            builder.withAuthentication(config.username(), config.password().reveal());
        } else if (config.password() != null) {
            builder.withPassword(config.password().reveal());
        }
        this.uri = builder.build();
        // Few threads: the work per command is a few bytes of I/O. Reconnects are quick, capped at a second.
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(1)
                .computationThreadPoolSize(1)
                .reconnectDelay(
                        Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources);
        ClientOptions.Builder options = ClientOptions.builder();
        if (config.tlsCaFile() != null) { // else rediss:// verifies the server against the JDK's trust store
            options.sslOptions(SslOptions.builder()
                    .jdkSslProvider()
                    .trustManager(config.tlsCaFile().toFile())
                    .build());
        }
        client.setOptions(options.autoReconnect(true)
                // While disconnected a take fails at once and the policy's fail mode applies, instead of the
                // command waiting in a queue for a Redis that may never come back.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(config.timeout()))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofMillis(
                                Math.max(1000, config.timeout().toMillis())))
                        .build())
                .build());
        this.sha = sha1(SCRIPT);
        this.failures = meter.counterBuilder("mcp.policy.quota.store.failures")
                .setUnit("{take}")
                .setDescription("Quota takes the shared store (Redis) could not answer, by the fail mode the policy"
                        + " chose for the quota: deny (refused) or local (counted in this replica's bucket)")
                .build();
        failures.add(0, DENIED);
        failures.add(0, FELL_BACK);
        this.connection = connect();
        try {
            connection.get(Math.max(1000, 2 * timeout.toMillis()), TimeUnit.MILLISECONDS);
            log.atInfo().addKeyValue("redis", redacted(uri)).log("quota buckets are shared in Redis");
        } catch (ExecutionException e) {
            if (refusedCredentials(e.getCause())) {
                close();
                throw new IllegalStateException("quota.redis: Redis at " + redacted(uri)
                        + " refused the credentials; check quota.redis.username and quota.redis.password-file or"
                        + " quota.redis.password-env");
            }
            unreachable(e.getCause());
        } catch (TimeoutException e) {
            unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private CompletableFuture<StatefulRedisConnection<String, String>> connect() {
        connectedAtNanos = System.nanoTime();
        return client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
    }

    /** The connection, or a new attempt when the last one failed long enough ago. */
    private CompletableFuture<StatefulRedisConnection<String, String>> connection() {
        CompletableFuture<StatefulRedisConnection<String, String>> current = connection;
        if (current.isCompletedExceptionally() && System.nanoTime() - connectedAtNanos > RECONNECT_AFTER_NANOS) {
            synchronized (this) {
                if (connection == current) {
                    connection = connect();
                }
                return connection;
            }
        }
        return current;
    }

    @Override
    public CompletableFuture<QuotaOutcome> take(QuotaSpec spec) {
        CompletableFuture<QuotaOutcome> shared;
        try {
            shared = connection()
                    .thenCompose(c -> evaluate(c, spec))
                    // Lettuce's own timeout covers commands; this one also covers a connection attempt.
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            shared = CompletableFuture.failedFuture(e);
        }
        return shared.handle((outcome, failure) -> {
                    if (failure == null) {
                        available();
                        return CompletableFuture.completedFuture(outcome);
                    }
                    Throwable cause = CompletionCause.of(failure);
                    unavailable(cause, spec.onStoreFailure());
                    if (spec.onStoreFailure() == StoreFailureMode.LOCAL) {
                        fellBack.increment();
                        failures.add(1, FELL_BACK);
                        return fallback.take(spec);
                    }
                    denied.increment();
                    failures.add(1, DENIED);
                    return CompletableFuture.<QuotaOutcome>failedFuture(new QuotaStoreUnavailableException(cause));
                })
                .thenCompose(f -> f);
    }

    private CompletableFuture<QuotaOutcome> evaluate(StatefulRedisConnection<String, String> c, QuotaSpec spec) {
        String[] keys = {key(spec)};
        String[] args = {Long.toString(spec.limit()), Long.toString(spec.windowMillis()), Long.toString(spec.cost())};
        var commands = c.async();
        return commands.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args)
                .toCompletableFuture()
                .exceptionallyCompose(e -> {
                    Throwable cause = CompletionCause.of(e);
                    if (cause instanceof RedisNoScriptException) { // EVAL also caches it for the next EVALSHA
                        return commands.<List<Object>>eval(SCRIPT, ScriptOutputType.MULTI, keys, args)
                                .toCompletableFuture();
                    }
                    return CompletableFuture.failedFuture(cause);
                })
                .thenApply(RedisQuotaStore::outcome);
    }

    /** The script's reply read strictly: anything but three integers fails the take (no grant by accident). */
    static QuotaOutcome outcome(List<Object> reply) {
        if (reply == null || reply.size() != 3) {
            throw new IllegalStateException("unexpected reply from the token bucket script");
        }
        return new QuotaOutcome(number(reply.get(0)) == 1, number(reply.get(1)), number(reply.get(2)));
    }

    private static long number(Object value) {
        if (value instanceof Long n) {
            return n;
        }
        throw new IllegalStateException("unexpected reply from the token bucket script");
    }

    /** The bucket's Redis key: a hash of the policy's key, as a Cluster hash tag, then the limit and window. */
    static String key(QuotaSpec spec) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256").digest(spec.key().getBytes(StandardCharsets.UTF_8));
            String hash = Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
            return "mcpguard:quota:{" + hash + "}:" + spec.limit() + ":" + spec.windowMillis();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    private void available() {
        if (unavailable.compareAndSet(true, false)) {
            log.atInfo()
                    .addKeyValue("event.name", "quota.store_available")
                    .addKeyValue("redis", redacted(uri))
                    .log("Redis answers again: quotas are shared again");
        }
    }

    private void unavailable(Throwable cause, StoreFailureMode mode) {
        if (unavailable.compareAndSet(false, true)) {
            log.atWarn()
                    .addKeyValue("event.name", "quota.store_unavailable")
                    .addKeyValue("redis", redacted(uri))
                    .addKeyValue("error.type", cause.getClass().getSimpleName())
                    .addKeyValue("first_mode", mode.name().toLowerCase(java.util.Locale.ROOT))
                    .log("Redis does not answer: quotas marked on_store_failure=local count in this replica only,"
                            + " the others refuse calls until Redis is back");
        }
    }

    private void unreachable(Throwable cause) {
        unavailable.set(true);
        log.atWarn()
                .addKeyValue("event.name", "quota.store_unavailable")
                .addKeyValue("redis", redacted(uri))
                .addKeyValue("error.type", cause.getClass().getSimpleName()) // an ExecutionException's or the timeout
                .log("Redis does not answer at start: quotas apply their on_store_failure mode until it does");
    }

    private static boolean refusedCredentials(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            // WRONGPASS, NOAUTH, or an error of the AUTH command itself
            if (t instanceof RedisCommandExecutionException
                    && (message.startsWith("WRONGPASS") || message.contains("AUTH"))) {
                return true;
            }
        }
        return false;
    }

    /** Scheme, host and port (6379 when the url names none) only: never user or password. */
    private static String redacted(RedisURI uri) {
        return (uri.isSsl() ? "rediss" : "redis") + "://" + uri.getHost() + ":" + uri.getPort();
    }

    private static String sha1(String script) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Takes the store could not answer, refused (policy {@code deny}). */
    public long denied() {
        return denied.sum();
    }

    /** Takes the store could not answer, counted in this replica's bucket instead (policy {@code local}). */
    public long fellBack() {
        return fellBack.sum();
    }

    @Override
    public void close() {
        CompletableFuture<StatefulRedisConnection<String, String>> current = connection;
        if (current.isDone() && !current.isCompletedExceptionally()) { // set by the constructor before any close
            current.join().close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
