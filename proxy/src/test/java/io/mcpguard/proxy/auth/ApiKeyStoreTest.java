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

    private static java.util.Map<String, ApiKeyStore.Entry> parse(String yaml) throws Exception {
        return ApiKeyStore.parse(
                new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                        .readTree(yaml));
    }

    @Test
    void an_entry_is_read_with_every_field_and_optional_ones_left_empty() throws Exception {
        String hash = "ab".repeat(32);
        var entries = parse("""
                keys:
                  - id: full
                    owner: " svc-build "
                    sha256: %s
                    roles: [builder, 7]
                    groups: [ci]
                    scopes: [mcp]
                    tenant: acme
                    created: 2026-11-01T00:00:00Z
                    expires: 2027-01-01T00:00:00Z
                    revoked: false
                  - id: bare
                    owner: svc-other
                    sha256: %s
                    roles: builder
                    tenant: "  "
                    created: 2026-11-01T00:00:00Z
                    revoked: "yes"
                """.formatted(hash, "cd".repeat(32)));

        ApiKeyStore.Entry full = entries.get("full");
        assertThat(full.owner()).isEqualTo("svc-build");
        assertThat(full.sha256()).hasSize(32).startsWith((byte) 0xab);
        assertThat(full.roles()).containsExactly("builder", "7");
        assertThat(full.groups()).containsExactly("ci");
        assertThat(full.scopes()).containsExactly("mcp");
        assertThat(full.tenant()).isEqualTo("acme");
        assertThat(full.created()).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(full.expires()).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
        assertThat(full.revoked()).isFalse();
        ApiKeyStore.Entry bare = entries.get("bare");
        // A list given as a scalar grants nothing rather than something unintended.
        assertThat(bare.roles()).isEmpty();
        assertThat(bare.groups()).isEmpty();
        assertThat(bare.tenant()).isNull();
        assertThat(bare.expires()).isNull();
        // Only a YAML boolean revokes; a string is not read as one.
        assertThat(bare.revoked()).isFalse();
        assertThat(parse("keys:\n  - {id: r, owner: o, sha256: %s, created: 2026-11-01T00:00:00Z, revoked: true}\n"
                                .formatted(hash))
                        .get("r")
                        .revoked())
                .isTrue();
    }

    @Test
    void a_file_without_a_keys_list_or_with_a_bad_field_is_refused_by_place() {
        String hash = "ab".repeat(32);
        String good = "{id: a, owner: o, sha256: %s, created: 2026-11-01T00:00:00Z}".formatted(hash);
        java.util.Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{}", "expected a top-level 'keys' list");
        cases.put("keys: {id: a}", "expected a top-level 'keys' list");
        cases.put(
                "keys: [" + good + ", {owner: o, sha256: " + hash + ", created: 2026-11-01T00:00:00Z}]",
                "keys[1].id is required");
        cases.put(
                "keys: [{id: 'a b', owner: o, sha256: " + hash + ", created: 2026-11-01T00:00:00Z}]",
                "keys[0].id must be 1-64 letters, digits or '-'");
        cases.put(
                "keys: [{id: " + "a".repeat(65) + ", owner: o, sha256: " + hash + ", created: 2026-11-01T00:00:00Z}]",
                "keys[0].id must be 1-64 letters, digits or '-'");
        cases.put(
                "keys: [{id: a, owner: o, sha256: " + hash.toUpperCase(java.util.Locale.ROOT)
                        + ", created: 2026-11-01T00:00:00Z}]",
                "keys[0].sha256 must be 64 lower-case hex digits");
        cases.put(
                "keys: [{id: a, owner: null, sha256: " + hash + ", created: 2026-11-01T00:00:00Z}]",
                "keys[0].owner is required");
        cases.put(
                "keys: [{id: a, owner: '  ', sha256: " + hash + ", created: 2026-11-01T00:00:00Z}]",
                "keys[0].owner is required");
        cases.put("keys: [{id: a, owner: o, sha256: " + hash + "}]", "keys[0].created is required");
        cases.put(
                "keys: [{id: a, owner: o, sha256: " + hash + ", created: yesterday}]",
                "keys[0].created must be an ISO-8601 instant");
        cases.put(
                "keys: [{id: a, owner: o, sha256: " + hash + ", created: 2026-11-01T00:00:00Z, expires: soon}]",
                "keys[0].expires must be an ISO-8601 instant");
        cases.forEach((yaml, message) -> assertThatThrownBy(() -> parse(yaml))
                .as(yaml)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message));
        assertThatThrownBy(() -> ApiKeyStore.parse(null)).hasMessage("expected a top-level 'keys' list");
    }

    @Test
    void only_a_prefixed_key_with_a_well_formed_id_names_an_id() {
        assertThat(ApiKeyStore.idOf("mcpg_build-1_secret")).isEqualTo("build-1");
        assertThat(ApiKeyStore.idOf("mcpg_build-1_")).isEqualTo("build-1");
        assertThat(ApiKeyStore.idOf("xmcpg_build-1_secret")).isNull();
        assertThat(ApiKeyStore.idOf("mcpg_build-1")).isNull();
        assertThat(ApiKeyStore.idOf("mcpg__secret")).isNull();
        assertThat(ApiKeyStore.idOf("mcpg_bu ild_secret")).isNull();
    }

    @Test
    void a_new_key_needs_a_well_formed_id() {
        assertThatThrownBy(() -> ApiKeyStore.newKey("has space")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ApiKeyStore.newKey("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(ApiKeyStore.newKey("a".repeat(64))[0]).startsWith("mcpg_" + "a".repeat(64) + "_");
    }

    @Test
    void a_key_is_valid_until_the_instant_it_expires(@TempDir Path dir) throws Exception {
        String[] made = ApiKeyStore.newKey("k");
        Path keys = dir.resolve("keys.yaml");
        Files.writeString(keys, file("k", made[1], "    expires: 2026-11-24T12:00:00.001Z\n"));
        try (ApiKeyStore store = new ApiKeyStore(keys, Duration.ofSeconds(1), NOW)) {
            assertThat(store.verify(made[0]).subject().id()).isEqualTo("svc-build");
        }
        Clock later = Clock.fixed(Instant.parse("2026-11-24T12:00:00.001Z"), ZoneOffset.UTC);
        try (ApiKeyStore store = new ApiKeyStore(keys, Duration.ofSeconds(1), later)) {
            assertThatThrownBy(() -> store.verify(made[0])).isInstanceOf(AuthenticationFailure.class);
        }
    }

    @Test
    void a_key_of_an_unknown_id_or_another_ids_secret_is_refused(@TempDir Path dir) throws Exception {
        String[] made = ApiKeyStore.newKey("k");
        Path keys = dir.resolve("keys.yaml");
        Files.writeString(keys, file("k", made[1], ""));
        String secret = made[0].substring("mcpg_k_".length());
        try (ApiKeyStore store = new ApiKeyStore(keys, Duration.ofSeconds(1), NOW)) {
            for (String key : new String[] {"mcpg_j_" + secret, "not-a-key", ""}) {
                assertThatThrownBy(() -> store.verify(key))
                        .as(key)
                        .isInstanceOf(AuthenticationFailure.class)
                        .hasMessage("the API key is not valid");
            }
        }
    }
}
