package io.mcpguard.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyStoreTest {
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-11-24T12:00:00Z"), ZoneOffset.UTC);

    private static String file(String id, String hash, String extra) {
        return """
                keys:
                  - id: %s
                    owner: svc-build
                    sha256: %s
                    roles: [builder]
                    scopes: [mcp]
                    created: 2026-11-01T00:00:00Z
                %s""".formatted(id, hash, extra);
    }

    @Test
    void a_new_key_is_random_carries_its_id_and_only_its_hash_is_stored(@TempDir Path dir) throws Exception {
        String[] made = ApiKeyStore.newKey("build-1");
        String[] other = ApiKeyStore.newKey("build-1");

        assertThat(made[0]).startsWith("mcpg_build-1_").isNotEqualTo(other[0]).hasSizeGreaterThan(50);
        assertThat(made[1]).matches("[0-9a-f]{64}").doesNotContain(made[0].substring(13));
        Path keys = dir.resolve("keys.yaml");
        Files.writeString(keys, file("build-1", made[1], ""));
        assertThat(Files.readString(keys)).doesNotContain(made[0].substring(13));
    }

    @Test
    void a_valid_key_gives_the_service_accounts_identity_and_records_its_last_use(@TempDir Path dir) throws Exception {
        String[] made = ApiKeyStore.newKey("build-1");
        Path keys = dir.resolve("keys.yaml");
        Files.writeString(keys, file("build-1", made[1], ""));
        try (ApiKeyStore store = new ApiKeyStore(keys, Duration.ofSeconds(1), NOW)) {
            assertThat(store.lastUsed("build-1")).isEmpty();

            Identity identity = store.verify(made[0]);

            assertThat(identity.subject().id()).isEqualTo("svc-build");
            assertThat(identity.subject().authMethod()).isEqualTo("api_key");
            assertThat(identity.subject().roles()).containsExactly("builder");
            assertThat(identity.scopes()).containsExactly("mcp");
            assertThat(identity.bindingKey()).isEqualTo("api_key:svc-build");
            assertThat(store.lastUsed("build-1")).contains(NOW.instant());
        }
    }

    @Test
    void revoked_expired_and_wrong_keys_all_fail_alike(@TempDir Path dir) throws Exception {
        String[] revoked = ApiKeyStore.newKey("old");
        String[] expired = ApiKeyStore.newKey("older");
        Path keys = dir.resolve("keys.yaml");
        Files.writeString(keys, file("old", revoked[1], "    revoked: true\n") + """
                          - id: older
                            owner: svc-build
                            sha256: %s
                            created: 2026-01-01T00:00:00Z
                            expires: 2026-11-24T12:00:00Z
                        """.formatted(expired[1]));
        try (ApiKeyStore store = new ApiKeyStore(keys, Duration.ofSeconds(1), NOW)) {
            for (String key : new String[] {revoked[0], expired[0], revoked[0] + "x", "mcpg_old_", "mcpg_"}) {
                assertThatThrownBy(() -> store.verify(key))
                        .isInstanceOf(AuthenticationFailure.class)
                        .hasMessage("the API key is not valid")
                        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(key));
            }
        }
    }

    @Test
    void an_invalid_file_stops_the_start_and_names_the_problem_but_no_key(@TempDir Path dir) throws Exception {
        Path keys = dir.resolve("keys.yaml");
        Files.writeString(
                keys,
                file("a", "ab".repeat(32), "") + file("a", "cd".repeat(32), "").replace("keys:\n", ""));
        assertThatThrownBy(() -> new ApiKeyStore(keys, Duration.ofSeconds(1), NOW))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("key id 'a' is listed twice");
        Files.writeString(keys, file("a", "not-a-hash", ""));
        assertThatThrownBy(() -> new ApiKeyStore(keys, Duration.ofSeconds(1), NOW))
                .hasMessageContaining("sha256 must be 64 lower-case hex digits");
    }

    @Test
    void a_file_broken_while_running_fails_every_key_until_it_is_fixed(@TempDir Path dir) throws Exception {
        String[] made = ApiKeyStore.newKey("build-1");
        Path keys = dir.resolve("keys.yaml");
        Files.writeString(keys, file("build-1", made[1], ""));
        try (ApiKeyStore store = new ApiKeyStore(keys, Duration.ofMillis(100), NOW)) {
            assertThat(store.verify(made[0]).subject().id()).isEqualTo("svc-build");

            Files.writeString(keys, "keys: [ this is not");
            awaitRefused(store, made[0]);

            Files.writeString(keys, file("build-1", made[1], ""));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                try {
                    store.verify(made[0]);
                    return;
                } catch (AuthenticationFailure e) {
                    Thread.sleep(50);
                }
            }
            throw new AssertionError("the fixed file was not reloaded");
        }
    }

    private static void awaitRefused(ApiKeyStore store, String key) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                store.verify(key);
                Thread.sleep(50);
            } catch (AuthenticationFailure e) {
                return;
            }
        }
        throw new AssertionError("the broken file was not noticed");
    }
}
