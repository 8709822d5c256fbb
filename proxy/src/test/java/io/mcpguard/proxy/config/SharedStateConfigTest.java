package io.mcpguard.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys of the Redis quota store and of the audit spool's encryption and retention, validated at start. */
class SharedStateConfigTest {
    private static final String KEY_A =
            Base64.getEncoder().encodeToString("a".repeat(32).getBytes());
    private static final String KEY_B =
            Base64.getEncoder().encodeToString("b".repeat(32).getBytes());

    private static void refused(String yaml, Map<String, String> env, String key, String... notShown) {
        assertThatThrownBy(() -> ProxyConfig.parse(yaml, env))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).anySatisfy(p -> {
                            assertThat(p).contains("'" + key + "'");
                            for (String secret : notShown) {
                                assertThat(p).doesNotContain(secret);
                            }
                        }));
    }

    @Test
    void quotas_are_local_unless_redis_is_named_and_then_they_get_its_settings(@TempDir Path dir) throws Exception {
        assertThat(ProxyConfig.parse("", Map.of()).quota().store()).isEqualTo(ProxyConfig.Quota.Store.LOCAL);
        Path password = Files.writeString(dir.resolve("redis-password"), "s3cret-redis-pass\n");

        ProxyConfig.Quota quota = ProxyConfig.parse(
                        "quota:\n  store: redis\n  redis:\n    url: rediss://redis.internal:6380/2\n"
                                + "    username: mcpguard\n    password-file: " + password + "\n    timeout: 150ms\n",
                        Map.of())
                .quota();

        assertThat(quota.store()).isEqualTo(ProxyConfig.Quota.Store.REDIS);
        assertThat(quota.redis().url()).hasToString("rediss://redis.internal:6380/2");
        assertThat(quota.redis().username()).isEqualTo("mcpguard");
        assertThat(quota.redis().password().reveal()).isEqualTo("s3cret-redis-pass");
        assertThat(quota.redis().timeout()).isEqualTo(Duration.ofMillis(150));
        assertThat(ProxyConfig.parse(
                                "quota:\n  store: redis\n  redis:\n    url: redis://r:6379\n    password-env: RP\n",
                                Map.of("RP", "from-env"))
                        .quota()
                        .redis()
                        .password()
                        .reveal())
                .isEqualTo("from-env");
    }

    @Test
    void a_bad_redis_setting_is_refused_naming_its_key_and_never_showing_a_password() {
        refused("quota:\n  store: memcached\n", Map.of(), "quota.store");
        refused("quota:\n  store: redis\n", Map.of(), "quota.redis.url");
        refused("quota:\n  store: redis\n  redis:\n    url: http://r:6379\n", Map.of(), "quota.redis.url");
        refused(
                "quota:\n  store: redis\n  redis:\n    url: redis://user:hunter2pass@r:6379\n",
                Map.of(),
                "quota.redis.url",
                "hunter2pass");
        refused(
                "quota:\n  store: redis\n  redis:\n    url: redis://r:6379\n    password-env: MISSING\n",
                Map.of(),
                "quota.redis.password-env");
        refused(
                "quota:\n  store: redis\n  redis:\n    url: redis://r:6379\n    timeout: 0ms\n",
                Map.of(),
                "quota.redis.timeout");
    }

    @Test
    void spool_keys_come_current_first_then_old_ones_from_a_file_or_the_environment(@TempDir Path dir)
            throws Exception {
        assertThat(ProxyConfig.parse("", Map.of()).audit().spoolKeys()).isEmpty();
        Path file =
                Files.writeString(dir.resolve("spool-keys"), "# current first\nk2=" + KEY_B + "\nk1=" + KEY_A + "\n");

        ProxyConfig.Audit audit = ProxyConfig.parse(
                        "audit:\n  spool-key-file: " + file + "\n  spool-max-age: 2h\n", Map.of())
                .audit();

        assertThat(audit.spoolKeys()).extracting(ProxyConfig.SpoolKey::id).containsExactly("k2", "k1");
        assertThat(audit.spoolMaxAge()).isEqualTo(Duration.ofHours(2));
        assertThat(ProxyConfig.parse("audit:\n  spool-key-env: SK\n", Map.of("SK", "k1=" + KEY_A + ",k0=" + KEY_B))
                        .audit()
                        .spoolKeys())
                .extracting(ProxyConfig.SpoolKey::id)
                .containsExactly("k1", "k0");
        assertThat(ProxyConfig.parse("", Map.of()).audit().spoolMaxAge()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void a_bad_spool_key_is_refused_naming_its_key_and_never_showing_key_material() {
        String shortKey = Base64.getEncoder().encodeToString("short-key-material".getBytes());
        refused("audit:\n  spool-key-env: SK\n", Map.of("SK", "k1=" + shortKey), "audit.spool-key-env", shortKey);
        refused("audit:\n  spool-key-env: SK\n", Map.of("SK", "k1=not*base64!"), "audit.spool-key-env", "not*base64");
        refused(
                "audit:\n  spool-key-env: SK\n",
                Map.of("SK", "k1=" + KEY_A + "\nk1=" + KEY_B),
                "audit.spool-key-env",
                KEY_A,
                KEY_B);
        refused("audit:\n  spool-key-env: SK\n", Map.of("SK", KEY_A), "audit.spool-key-env", KEY_A);
        refused("audit:\n  spool-key-file: /nonexistent/keys\n", Map.of(), "audit.spool-key-file");
        refused("audit:\n  spool-max-age: 10s\n", Map.of(), "audit.spool-max-age");
    }
}
