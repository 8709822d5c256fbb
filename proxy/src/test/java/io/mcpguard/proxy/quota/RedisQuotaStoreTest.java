package io.mcpguard.proxy.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.config.Secret;
import io.mcpguard.proxy.policy.Decision.QuotaSpec;
import io.mcpguard.proxy.policy.Decision.StoreFailureMode;
import io.mcpguard.proxy.testing.LogCapture;
import io.mcpguard.proxy.testing.RedisProcess;
import io.opentelemetry.api.OpenTelemetry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shared token buckets against a real redis-server: atomic across stores, expiring, and honest in an outage. */
class RedisQuotaStoreTest {
    private static RedisProcess redis;
    private static RedisClient inspector;
    private static StatefulRedisConnection<String, String> direct;

    @BeforeAll
    static void start() {
        redis = RedisProcess.started();
        inspector = RedisClient.create(redis.url());
        direct = inspector.connect();
    }

    @AfterAll
    static void stop() {
        if (direct != null) direct.close();
        if (inspector != null) inspector.shutdown();
        if (redis != null) redis.close();
    }

    private static RedisQuotaStore store(RedisProcess server, Duration timeout) {
        return new RedisQuotaStore(
                new ProxyConfig.Quota.Redis(URI.create(server.url()), null, null, timeout),
                new LocalQuotaStore(1000, Duration.ofMinutes(1)),
                OpenTelemetry.noop().getMeter("test"));
    }

    private static QuotaOutcome take(QuotaStore store, QuotaSpec spec) throws Exception {
        return store.take(spec).get(20, TimeUnit.SECONDS); // a bound against hanging, not a speed claim
    }

    @Test
    void two_stores_sharing_one_redis_grant_the_limit_once_between_them() throws Exception {
        QuotaSpec spec = new QuotaSpec("[[\"subject\",\"acme\",\"shared\"],\"write\"]", 25, 3_600_000, 1);
        try (RedisQuotaStore a = store(redis, Duration.ofSeconds(2));
                RedisQuotaStore b = store(redis, Duration.ofSeconds(2))) {
            List<CompletableFuture<QuotaOutcome>> takes = new ArrayList<>();
            for (int i = 0; i < 100; i++) { // all in flight at once: races would grant more than 25
                takes.add((i % 2 == 0 ? a : b).take(spec));
            }
            long granted = 0;
            for (CompletableFuture<QuotaOutcome> take : takes) {
                if (take.get(10, TimeUnit.SECONDS).granted()) {
                    granted++;
                }
            }
            assertThat(granted).isEqualTo(25);
        }
    }

    @Test
    void a_bucket_refills_over_its_window_and_says_when_to_retry() throws Exception {
        QuotaSpec spec = new QuotaSpec("refill", 2, 400, 1);
        try (RedisQuotaStore store = store(redis, Duration.ofSeconds(2))) {
            assertThat(take(store, spec).granted()).isTrue();
            assertThat(take(store, spec).granted()).isTrue();
            QuotaOutcome refused = take(store, spec);
            assertThat(refused.granted()).isFalse();
            assertThat(refused.retryAfterMillis()).isBetween(1L, 200L);

            Thread.sleep(refused.retryAfterMillis() + 20);
            assertThat(take(store, spec).granted()).isTrue();
        }
    }

    @Test
    void a_cost_above_the_limit_never_passes() throws Exception {
        try (RedisQuotaStore store = store(redis, Duration.ofSeconds(2))) {
            QuotaOutcome outcome = take(store, new QuotaSpec("big", 2, 1_000, 3));
            assertThat(outcome.granted()).isFalse();
            assertThat(outcome.retryAfterMillis()).isEqualTo(1_000);
        }
    }

    @Test
    void a_bucket_key_is_a_cluster_hash_tag_without_the_subject_in_clear_and_expires_after_its_window()
            throws Exception {
        QuotaSpec spec = new QuotaSpec("[[\"subject\",\"acme\",\"alice@example.com\"],\"read\"]", 600, 60_000, 1);
        try (RedisQuotaStore store = store(redis, Duration.ofSeconds(2))) {
            take(store, spec);
        }
        String key = RedisQuotaStore.key(spec);
        assertThat(key).matches("mcpguard:quota:\\{[A-Za-z0-9_-]{43}\\}:600:60000");
        assertThat(direct.sync().keys("*alice*")).isEmpty();
        assertThat(direct.sync().pttl(key)).isBetween(50_000L, 60_000L);
        assertThat(direct.sync().hget(key, "tokens")).startsWith("599");
    }

    @Test
    void a_script_unknown_to_the_server_is_sent_in_full_and_cached_again() throws Exception {
        QuotaSpec spec = new QuotaSpec("flushed", 5, 60_000, 1);
        try (RedisQuotaStore store = store(redis, Duration.ofSeconds(2))) {
            assertThat(take(store, spec).remaining()).isEqualTo(4);
            direct.sync().scriptFlush();

            assertThat(take(store, spec).remaining()).isEqualTo(3);
            assertThat(direct.sync().scriptExists(direct.sync().digest(RedisQuotaStore.SCRIPT)))
                    .containsExactly(true);
        }
    }

    @Test
    void with_redis_gone_deny_quotas_refuse_and_local_quotas_count_here_and_both_recover_when_it_is_back()
            throws Exception {
        try (RedisProcess own = RedisProcess.started();
                RedisQuotaStore store = store(own, Duration.ofMillis(300));
                LogCapture logs = new LogCapture(RedisQuotaStore.class.getName())) {
            QuotaSpec deny = new QuotaSpec("outage-deny", 100, 60_000, 1);
            QuotaSpec local = new QuotaSpec("outage-local", 2, 60_000, 1, StoreFailureMode.LOCAL);
            assertThat(take(store, deny).granted()).isTrue();
            assertThat(take(store, local).remaining()).isEqualTo(1);

            own.stop();

            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> take(store, deny))
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(QuotaStoreUnavailableException.class);
            }
            // The replica's own bucket starts full: the local mode bounds calls per replica, it does not open them.
            assertThat(take(store, local).granted()).isTrue();
            assertThat(take(store, local).granted()).isTrue();
            assertThat(take(store, local).granted()).isFalse();
            assertThat(store.denied()).isEqualTo(3);
            assertThat(store.fellBack()).isEqualTo(3);
            assertThat(logs.lines())
                    .filteredOn(line -> line.level().equals("WARN"))
                    .as("one warning per outage, not one per call")
                    .hasSize(1)
                    .allSatisfy(line -> assertThat(line.text()).contains("quota.store_unavailable"));

            own.start();

            QuotaOutcome back = awaitShared(store, deny);
            assertThat(back.granted()).isTrue();
            assertThat(back.remaining())
                    .as("a restarted Redis without persistence starts the bucket afresh")
                    .isEqualTo(99);
            assertThat(logs.lines())
                    .filteredOn(line -> line.text().contains("quota.store_available"))
                    .as("one line when Redis is back, none while it simply answers")
                    .hasSize(1);
        }
    }

    @Test
    void a_store_started_before_redis_refuses_until_redis_answers_then_shares() throws Exception {
        RedisProcess later = new RedisProcess(null);
        try (LogCapture logs = new LogCapture(RedisQuotaStore.class.getName());
                RedisQuotaStore store = store(later, Duration.ofMillis(300))) {
            QuotaSpec spec = new QuotaSpec("late", 10, 60_000, 1);
            assertThatThrownBy(() -> take(store, spec)).hasCauseInstanceOf(QuotaStoreUnavailableException.class);

            later.start();

            assertThat(awaitShared(store, spec).remaining()).isEqualTo(9);
            assertThat(logs.lines())
                    .as("the start's warning covers the refusals after it; one line when Redis answers")
                    .extracting(LogCapture.Line::level)
                    .containsExactly("WARN", "INFO");
            assertThat(logs.lines().get(1).text()).contains("event.name=quota.store_available");
        } finally {
            later.close();
        }
    }

    @Test
    void a_wrong_password_stops_the_start_with_an_error_naming_the_keys_and_not_the_password() {
        try (RedisProcess guarded = new RedisProcess("right-horse-battery-staple")) {
            guarded.start();
            assertThatThrownBy(() -> new RedisQuotaStore(
                            new ProxyConfig.Quota.Redis(
                                    URI.create(guarded.url()),
                                    null,
                                    new Secret("wrong-password-value"),
                                    Duration.ofSeconds(1)),
                            new LocalQuotaStore(10, Duration.ofMinutes(1)),
                            OpenTelemetry.noop().getMeter("test")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("quota.redis.password-file")
                    .hasMessageNotContaining("wrong-password-value");
        }
    }

    @Test
    void the_right_password_is_sent_with_auth() throws Exception {
        try (RedisProcess guarded = new RedisProcess("right-horse-battery-staple")) {
            guarded.start();
            try (RedisQuotaStore store = new RedisQuotaStore(
                    new ProxyConfig.Quota.Redis(
                            URI.create(guarded.url()),
                            null,
                            new Secret("right-horse-battery-staple"),
                            Duration.ofSeconds(1)),
                    new LocalQuotaStore(10, Duration.ofMinutes(1)),
                    OpenTelemetry.noop().getMeter("test"))) {
                assertThat(take(store, new QuotaSpec("authed", 3, 60_000, 1)).remaining())
                        .isEqualTo(2);
                assertThat(store.denied()).isZero();
            }
        }
    }

    @Test
    void over_tls_the_server_is_verified_against_the_configured_ca(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        try (RedisProcess tls = RedisProcess.withTls(dir)) {
            tls.start();
            // A generous timeout: a TLS handshake on a loaded machine can take seconds; this is no speed claim.
            try (RedisQuotaStore store = new RedisQuotaStore(
                    new ProxyConfig.Quota.Redis(
                            URI.create(tls.url()), null, null, Duration.ofSeconds(10), tls.caFile()),
                    new LocalQuotaStore(10, Duration.ofMinutes(1)),
                    OpenTelemetry.noop().getMeter("test"))) {
                assertThat(take(store, new QuotaSpec("tls", 3, 60_000, 1)).remaining())
                        .isEqualTo(2);
            }
            // Without the CA the server's certificate is not trusted: no connection, the quota refuses.
            try (RedisQuotaStore untrusting = store(tls, Duration.ofMillis(500))) {
                assertThatThrownBy(() -> take(untrusting, new QuotaSpec("tls", 3, 60_000, 1)))
                        .hasCauseInstanceOf(QuotaStoreUnavailableException.class);
            }
        }
    }

    @Test
    void an_acl_user_is_sent_with_its_password_and_a_wrong_one_stops_the_start() throws Exception {
        direct.sync()
                .aclSetuser(
                        "quota-proxy",
                        io.lettuce.core.AclSetuserArgs.Builder.on()
                                .addPassword("acl-horse-battery")
                                .allKeys()
                                .allCommands());
        URI url = URI.create(redis.url());
        try (RedisQuotaStore store = new RedisQuotaStore(
                new ProxyConfig.Quota.Redis(url, "quota-proxy", new Secret("acl-horse-battery"), Duration.ofSeconds(2)),
                new LocalQuotaStore(10, Duration.ofMinutes(1)),
                OpenTelemetry.noop().getMeter("test"))) {
            assertThat(take(store, new QuotaSpec("acl", 3, 60_000, 1)).remaining())
                    .isEqualTo(2);
        }
        assertThatThrownBy(() -> new RedisQuotaStore(
                        new ProxyConfig.Quota.Redis(
                                url, "quota-proxy", new Secret("not-the-acl-password"), Duration.ofSeconds(1)),
                        new LocalQuotaStore(10, Duration.ofMinutes(1)),
                        OpenTelemetry.noop().getMeter("test")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refused the credentials")
                .hasMessageContaining("quota.redis.username")
                .hasMessageNotContaining("not-the-acl-password");
    }

    @Test
    void a_user_the_acl_forbids_scripts_gets_deny_quotas_refused_and_local_quotas_counted_here() throws Exception {
        io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader metrics =
                io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader.create();
        io.opentelemetry.sdk.metrics.SdkMeterProvider meters = io.opentelemetry.sdk.metrics.SdkMeterProvider.builder()
                .registerMetricReader(metrics)
                .build();
        direct.sync()
                .aclSetuser(
                        "quota-noscript",
                        io.lettuce.core.AclSetuserArgs.Builder.on()
                                .addPassword("noscript-pass")
                                .allKeys()
                                .allCommands()
                                .removeCommand(io.lettuce.core.protocol.CommandType.EVALSHA)
                                .removeCommand(io.lettuce.core.protocol.CommandType.EVAL));
        try (RedisQuotaStore store = new RedisQuotaStore(
                        new ProxyConfig.Quota.Redis(
                                URI.create(redis.url()),
                                "quota-noscript",
                                new Secret("noscript-pass"),
                                Duration.ofSeconds(2)),
                        new LocalQuotaStore(10, Duration.ofMinutes(1)),
                        meters.get("test"));
                LogCapture logs = new LogCapture(RedisQuotaStore.class.getName())) {
            assertThat(failures(metrics))
                    .as("both series exist from the start")
                    .containsExactly(java.util.Map.entry("deny", 0L), java.util.Map.entry("local", 0L));
            assertThatThrownBy(() -> take(store, new QuotaSpec("noperm", 3, 60_000, 1)))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(QuotaStoreUnavailableException.class);
            QuotaOutcome local = take(store, new QuotaSpec("noperm", 3, 60_000, 1, StoreFailureMode.LOCAL));
            assertThat(local.remaining()).as("the replica's own bucket, full").isEqualTo(2);
            assertThat(store.denied()).isEqualTo(1);
            assertThat(store.fellBack()).isEqualTo(1);
            assertThat(failures(metrics))
                    .containsExactly(java.util.Map.entry("deny", 1L), java.util.Map.entry("local", 1L));
            assertThat(logs.lines())
                    .filteredOn(line -> line.level().equals("WARN"))
                    .singleElement()
                    .satisfies(line -> assertThat(line.text())
                            .contains("event.name=quota.store_unavailable")
                            .contains("error.type=RedisCommandExecutionException")
                            .contains("first_mode=deny")
                            .contains("redis=redis://127.0.0.1:" + redis.port()));
        }
    }

    @Test
    void no_password_for_a_guarded_redis_stops_the_start() {
        try (RedisProcess guarded = new RedisProcess("right-horse-battery-staple")) {
            guarded.start();
            assertThatThrownBy(() -> store(guarded, Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("refused the credentials")
                    .hasMessageContaining("redis://127.0.0.1:" + guarded.port());
        }
    }

    @Test
    void a_password_in_the_url_is_used_and_never_shown_in_the_error() {
        try (RedisProcess guarded = new RedisProcess("right-horse-battery-staple")) {
            guarded.start();
            URI withPassword = URI.create("redis://:url-secret-value@127.0.0.1:" + guarded.port());
            assertThatThrownBy(() -> new RedisQuotaStore(
                            new ProxyConfig.Quota.Redis(withPassword, null, null, Duration.ofSeconds(1)),
                            new LocalQuotaStore(10, Duration.ofMinutes(1)),
                            OpenTelemetry.noop().getMeter("test")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Redis at redis://127.0.0.1:" + guarded.port() + " refused")
                    .hasMessageNotContaining("url-secret-value");
        }
    }

    @Test
    void a_server_that_accepts_and_never_answers_is_unavailable_within_the_timeout() throws Exception {
        try (java.net.ServerSocket mute = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
                LogCapture logs = new LogCapture(RedisQuotaStore.class.getName())) {
            URI url = URI.create("redis://127.0.0.1:" + mute.getLocalPort());
            try (RedisQuotaStore store = new RedisQuotaStore(
                    new ProxyConfig.Quota.Redis(url, null, null, Duration.ofMillis(300)),
                    new LocalQuotaStore(10, Duration.ofMinutes(1)),
                    OpenTelemetry.noop().getMeter("test"))) {
                assertThat(logs.lines())
                        .anySatisfy(line -> assertThat(line.text())
                                .contains("Redis does not answer at start")
                                .contains("redis=redis://127.0.0.1:" + mute.getLocalPort()));
                assertThatThrownBy(() -> take(store, new QuotaSpec("mute", 3, 60_000, 1)))
                        .isInstanceOf(ExecutionException.class)
                        .cause()
                        .isInstanceOf(QuotaStoreUnavailableException.class);
                assertThat(store.denied()).isEqualTo(1);
            }
        }
    }

    @Test
    void a_store_closed_while_it_reconnects_refuses_the_take_that_waited_on_the_attempt() throws Exception {
        try (java.net.ServerSocket mute = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            mute.setSoTimeout(50);
            // The server takes the connection and never answers the handshake: each attempt fails after the timeout.
            RedisQuotaStore store = store(mute.getLocalPort(), Duration.ofSeconds(1));
            try (java.net.Socket first = accept(mute)) {
                assertThat(first).as("the connection tried at start").isNotNull();
                CompletableFuture<QuotaOutcome> waiting = null;
                java.net.Socket second = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (second == null && System.nanoTime() < deadline) {
                    // Until a second passed since the failed attempt, a take fails at once on it; then it retries.
                    waiting = store.take(new QuotaSpec("reconnect", 3, 60_000, 1));
                    second = accept(mute);
                }
                assertThat(second).as("a take retried the connection").isNotNull();
                try (java.net.Socket attempt = second) {
                    store.close();

                    assertThat(waiting)
                            .as("a take waiting on the attempt is refused, not left hanging")
                            .failsWithin(Duration.ofSeconds(10))
                            .withThrowableOfType(ExecutionException.class)
                            .withCauseInstanceOf(QuotaStoreUnavailableException.class);
                }
            } finally {
                store.close();
            }
        }
    }

    @Test
    void after_a_failed_connect_takes_try_a_new_one_at_most_once_a_second_however_many_come() throws Exception {
        try (java.net.ServerSocket mute = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            RedisQuotaStore store = store(mute.getLocalPort(), Duration.ofMillis(200));
            try {
                for (int i = 0; i < 20; i++) {
                    assertThatThrownBy(() -> take(store, new QuotaSpec("throttled", 3, 60_000, 1)))
                            .cause()
                            .isInstanceOf(QuotaStoreUnavailableException.class);
                }
                long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + 1;

                mute.setSoTimeout(200);
                int attempts = 0;
                for (java.net.Socket attempt = accept(mute); attempt != null; attempt = accept(mute)) {
                    attempt.close();
                    attempts++;
                }
                // Bounded by the time the takes really took, so a slow machine cannot fail it: the start's attempt,
                // then one a second at most (the connects a Redis that is down would otherwise get per call).
                assertThat(attempts).isBetween(1, 1 + (int) seconds);
            } finally {
                store.close();
            }
        }
    }

    @Test
    void a_take_on_a_closed_store_is_refused_in_its_fail_mode_and_never_thrown_at_the_caller() throws Exception {
        int nothing;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            nothing = free.getLocalPort(); // closed again: connections are refused at once
        }
        RedisQuotaStore store = store(nothing, Duration.ofMillis(300));
        store.close();

        // A second after the failed connect a take asks the shut-down client for a new one, which throws at once.
        Throwable cause = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(cause instanceof IllegalStateException) && System.nanoTime() < deadline) {
            CompletableFuture<QuotaOutcome> refused = store.take(new QuotaSpec("closed", 3, 60_000, 1));
            ExecutionException failure = org.assertj.core.api.Assertions.catchThrowableOfType(
                    () -> refused.get(10, TimeUnit.SECONDS), ExecutionException.class);
            assertThat(failure).as("never a grant").hasCauseInstanceOf(QuotaStoreUnavailableException.class);
            cause = failure.getCause().getCause();
            Thread.sleep(20); // polling pace only; the loop waits for the store's retry, not for a time
        }
        assertThat(cause).isInstanceOf(IllegalStateException.class).hasMessageContaining("terminated");
        assertThat(take(store, new QuotaSpec("closed", 3, 60_000, 1, StoreFailureMode.LOCAL))
                        .remaining())
                .as("counted in this replica's bucket")
                .isEqualTo(2);
        assertThat(store.fellBack()).isEqualTo(1);
    }

    @Test
    void a_database_the_server_lacks_starts_the_store_unavailable_not_as_refused_credentials() throws Exception {
        URI url = URI.create(redis.url() + "/99"); // redis-server has 16 databases: SELECT 99 is an error
        try (LogCapture logs = new LogCapture(RedisQuotaStore.class.getName());
                RedisQuotaStore store = new RedisQuotaStore(
                        new ProxyConfig.Quota.Redis(url, null, null, Duration.ofSeconds(2)),
                        new LocalQuotaStore(10, Duration.ofMinutes(1)),
                        OpenTelemetry.noop().getMeter("test"))) {
            assertThat(logs.lines())
                    .singleElement()
                    .satisfies(line -> assertThat(line.text())
                            .contains("Redis does not answer at start")
                            .contains("redis=redis://127.0.0.1:" + redis.port()));
            assertThatThrownBy(() -> take(store, new QuotaSpec("db99", 3, 60_000, 1)))
                    .cause()
                    .isInstanceOf(QuotaStoreUnavailableException.class);
        }
    }

    private static RedisQuotaStore store(int port, Duration timeout) {
        return new RedisQuotaStore(
                new ProxyConfig.Quota.Redis(URI.create("redis://127.0.0.1:" + port), null, null, timeout),
                new LocalQuotaStore(10, Duration.ofMinutes(1)),
                OpenTelemetry.noop().getMeter("test"));
    }

    /** The next connection the server socket was asked for, or null when none came within its timeout. */
    private static java.net.Socket accept(java.net.ServerSocket server) throws java.io.IOException {
        try {
            return server.accept();
        } catch (java.net.SocketTimeoutException e) {
            return null;
        }
    }

    @Test
    void a_script_reply_of_another_shape_is_an_error_not_a_grant() {
        assertThat(RedisQuotaStore.outcome(List.of(1L, 4L, 0L))).isEqualTo(new QuotaOutcome(true, 4, 0));
        assertThat(RedisQuotaStore.outcome(List.of(0L, 0L, 250L))).isEqualTo(new QuotaOutcome(false, 0, 250));
        assertThat(RedisQuotaStore.outcome(List.of(2L, 0L, 0L)).granted())
                .as("only 1 grants")
                .isFalse();
        for (List<Object> reply : java.util.Arrays.<List<Object>>asList(
                null,
                List.of(),
                List.of(1L, 4L),
                List.of(1L, 4L, 0L, 0L),
                List.of("1", 4L, 0L),
                List.of(1L, 4L, "0"))) {
            assertThatThrownBy(() -> RedisQuotaStore.outcome(reply))
                    .as("reply %s", reply)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("unexpected reply from the token bucket script");
        }
    }

    @Test
    void quota_store_redis_opens_buckets_in_redis_and_local_ones_in_this_process() throws Exception {
        QuotaSpec spec = new QuotaSpec("opened", 4, 60_000, 1);
        ProxyConfig.Quota.Redis config =
                new ProxyConfig.Quota.Redis(URI.create(redis.url()), null, null, Duration.ofSeconds(2));
        try (QuotaStore shared = QuotaStore.open(
                        new ProxyConfig.Quota(10, ProxyConfig.Quota.Store.REDIS, config),
                        OpenTelemetry.noop().getMeter("test"));
                QuotaStore local = QuotaStore.open(
                        new ProxyConfig.Quota(10), OpenTelemetry.noop().getMeter("test"))) {
            assertThat(shared).isInstanceOf(RedisQuotaStore.class);
            assertThat(take(shared, spec).remaining()).isEqualTo(3);
            assertThat(direct.sync().exists(RedisQuotaStore.key(spec))).isEqualTo(1);

            assertThat(local).isInstanceOf(LocalQuotaStore.class);
            assertThat(take(local, spec).remaining()).as("its own bucket, full").isEqualTo(3);
        }
    }

    /** mcp.policy.quota.store.failures by fail mode. */
    private static java.util.Map<String, Long> failures(
            io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader metrics) {
        java.util.Map<String, Long> failures = new java.util.TreeMap<>();
        metrics.collectAllMetrics().stream()
                .filter(m -> m.getName().equals("mcp.policy.quota.store.failures"))
                .flatMap(m -> m.getLongSumData().getPoints().stream())
                .forEach(point -> failures.put(
                        point.getAttributes()
                                .get(io.opentelemetry.api.common.AttributeKey.stringKey(
                                        "mcp.policy.quota.on_store_failure")),
                        point.getValue()));
        return failures;
    }

    /** Takes until Redis answers (Lettuce reconnects on its own), within ten seconds. */
    private static QuotaOutcome awaitShared(RedisQuotaStore store, QuotaSpec spec) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return take(store, spec);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof QuotaStoreUnavailableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
