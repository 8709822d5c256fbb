package io.mcpguard.proxy.auth;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.mcpguard.proxy.policy.Subject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API keys for service accounts, kept in a YAML file of SHA-256 hashes (never the keys themselves), reloaded when
 * the file changes so a revocation takes effect without a restart.
 *
 * <p>A key reads {@code mcpg_<id>_<secret>}: the id (not secret) finds the entry, the SHA-256 of the whole key is
 * compared with the stored hash in constant time. The secret is 32 random bytes, so a fast hash is enough (there
 * is nothing to brute-force as with a password). Several entries may share an owner: that is a rotation overlap,
 * where the old and the new key both work until the old one is removed, revoked or expires.
 *
 * <p>A file that becomes unreadable or invalid while running makes every API key fail (logged as an error) until
 * it is fixed: keeping the old entries would keep a key alive that the edit meant to revoke.
 */
public final class ApiKeyStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyStore.class);
    public static final String PREFIX = "mcpg_";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    /** One stored key: everything but the key itself. */
    record Entry(
            String id,
            String owner,
            byte[] sha256,
            List<String> roles,
            List<String> groups,
            List<String> scopes,
            String tenant,
            Instant created,
            Instant expires,
            boolean revoked) {}

    private final Path file;
    private final Clock clock;
    private final ScheduledExecutorService reloader;
    private final Map<String, Instant> lastUsed = new ConcurrentHashMap<>();
    private volatile Map<String, Entry> entries = Map.of();
    private volatile FileTime loadedModified;
    private volatile long loadedSize = -1;

    /** Loads the file now (an invalid file stops the start) and then checks it every {@code reloadInterval}. */
    public ApiKeyStore(Path file, java.time.Duration reloadInterval, Clock clock) {
        this.file = file;
        this.clock = clock;
        try {
            load();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("API key file " + file + " is not valid: " + e.getMessage());
        }
        this.reloader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mcpguard-api-keys");
            t.setDaemon(true);
            return t;
        });
        long every = reloadInterval.toMillis();
        reloader.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * The identity of a presented key, if it is a known, unexpired, unrevoked key; the same failure otherwise, so
     * a caller cannot tell an unknown id from a wrong secret.
     */
    Identity verify(String presented) throws AuthenticationFailure {
        String id = idOf(presented);
        Entry entry = id == null ? null : entries.get(id);
        byte[] actual = sha256(presented);
        // Compared even for an unknown id, so the time taken does not say which ids exist.
        byte[] expected = entry == null ? new byte[32] : entry.sha256();
        boolean matches = MessageDigest.isEqual(expected, actual) && entry != null;
        String refusal = null;
        if (!matches) {
            refusal = entry == null ? "unknown key id" : "wrong secret";
        } else if (entry.revoked()) {
            refusal = "revoked";
        } else if (entry.expires() != null && !clock.instant().isBefore(entry.expires())) {
            refusal = "expired";
        }
        if (refusal != null) {
            log.atInfo()
                    .addKeyValue("event.name", "security.api_key_refused")
                    // An id no key has is whatever the client sent (a secret pasted in the wrong place, say).
                    .addKeyValue("api_key.id", id == null ? "(malformed)" : entry == null ? "(unknown)" : id)
                    .addKeyValue("reason", refusal)
                    .log("API key refused");
            throw new AuthenticationFailure(AuthenticationFailure.Kind.INVALID_TOKEN, "the API key is not valid");
        }
        lastUsed.put(entry.id(), clock.instant());
        Subject subject = new Subject(
                entry.owner(),
                true,
                "api_key",
                entry.roles(),
                entry.groups(),
                entry.tenant(),
                List.of(),
                null,
                null,
                null);
        return new Identity(subject, Set.copyOf(entry.scopes()));
    }

    /** When a key was last accepted by this process, if it was. */
    public Optional<Instant> lastUsed(String id) {
        return Optional.ofNullable(lastUsed.get(id));
    }

    static String idOf(String presented) {
        if (!presented.startsWith(PREFIX)) {
            return null;
        }
        int end = presented.indexOf('_', PREFIX.length());
        if (end < 0) {
            return null;
        }
        String id = presented.substring(PREFIX.length(), end);
        return ID.matcher(id).matches() ? id : null;
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** A new random key for {@code id}, and the hex SHA-256 to store. The key is shown once and never stored. */
    public static String[] newKey(String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("a key id is 1-64 letters, digits or '-'");
        }
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String key = PREFIX + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new String[] {key, HexFormat.of().formatHex(sha256(key))};
    }

    private void reloadIfChanged() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (modified.equals(loadedModified) && size == loadedSize) {
                return;
            }
            load();
        } catch (IOException | IllegalArgumentException | java.io.UncheckedIOException e) {
            if (!entries.isEmpty() || loadedSize != -2) {
                log.atError()
                        .addKeyValue("file", file)
                        .addKeyValue("reason", e.getMessage())
                        .log("API key file cannot be loaded; no API key is accepted until it is fixed");
            }
            entries = Map.of();
            loadedSize = -2;
            loadedModified = null;
        } catch (RuntimeException e) {
            log.atError().setCause(e).log("API key reload failed");
            entries = Map.of();
        }
    }

    private void load() throws IOException {
        FileTime modified = Files.getLastModifiedTime(file);
        long size = Files.size(file);
        JsonNode root = new ObjectMapper(new YAMLFactory())
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .readTree(Files.readAllBytes(file));
        Map<String, Entry> parsed = parse(root);
        entries = parsed;
        loadedModified = modified;
        loadedSize = size;
        long active = parsed.values().stream().filter(e -> !e.revoked()).count();
        log.atInfo()
                .addKeyValue("file", file)
                .addKeyValue("keys", parsed.size())
                .addKeyValue("active", active)
                .log("API keys loaded");
    }

    static Map<String, Entry> parse(JsonNode root) {
        JsonNode keys = root == null ? null : root.get("keys");
        if (keys == null || !keys.isArray()) {
            throw new IllegalArgumentException("expected a top-level 'keys' list");
        }
        Map<String, Entry> result = new LinkedHashMap<>();
        int index = 0;
        for (JsonNode node : keys) {
            String where = "keys[" + index++ + "]";
            String id = text(node, "id", where, true);
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException(where + ".id must be 1-64 letters, digits or '-'");
            }
            String hash = text(node, "sha256", where, true);
            if (!HASH.matcher(hash).matches()) {
                throw new IllegalArgumentException(where + ".sha256 must be 64 lower-case hex digits");
            }
            String created = text(node, "created", where, true);
            String expires = text(node, "expires", where, false);
            JsonNode revoked = node.get("revoked");
            Entry entry = new Entry(
                    id,
                    text(node, "owner", where, true),
                    HexFormat.of().parseHex(hash),
                    list(node, "roles"),
                    list(node, "groups"),
                    list(node, "scopes"),
                    text(node, "tenant", where, false),
                    instant(created, where + ".created"),
                    expires == null ? null : instant(expires, where + ".expires"),
                    revoked != null && revoked.asBoolean(false));
            if (result.put(id, entry) != null) {
                throw new IllegalArgumentException(where + ": key id '" + id + "' is listed twice");
            }
        }
        return Map.copyOf(result);
    }

    private static String text(JsonNode node, String field, String where, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || value.asText().isBlank()) {
            if (required) {
                throw new IllegalArgumentException(where + "." + field + " is required");
            }
            return null;
        }
        return value.asText().trim();
    }

    private static List<String> list(JsonNode node, String field) {
        List<String> items = new ArrayList<>();
        JsonNode value = node.get(field);
        if (value != null && value.isArray()) {
            value.forEach(item -> items.add(item.asText()));
        }
        return List.copyOf(items);
    }

    private static Instant instant(String text, String where) {
        try {
            return Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(where + " must be an ISO-8601 instant such as 2026-11-01T00:00:00Z");
        }
    }

    @Override
    public void close() {
        reloader.shutdownNow();
    }
}
