package io.mcpguard.proxy.config;

import io.mcpguard.proxy.config.ProxyConfig.*;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The {@code audit.*} keys: the OTLP export, the spool (its bound, age and keys), pseudonyms, events. */
final class AuditSection {
    private AuditSection() {}

    /**
     * A secret from a file (a mounted Kubernetes Secret) or an environment variable named by the config, never a
     * config value itself, so it cannot end up in a config error message. Null when neither key is set.
     */
    private static final List<String> OTLP_PROTOCOLS = List.of("http/protobuf", "grpc");

    /** Where the Helm chart mounts the spool volume; a proxy that cannot write it refuses to start. */
    private static final String DEFAULT_SPOOL_DIR = "/var/lib/mcpguard/audit-spool";

    static Audit parse(ConfigSource src) {
        boolean enabled = src.bool("audit.enabled", true);
        URI endpoint = src.httpUri("audit.otlp-endpoint", "http://127.0.0.1:4318");
        String protocol = src.string("audit.otlp-protocol", "http/protobuf");
        src.require(
                OTLP_PROTOCOLS.contains(protocol),
                "config key 'audit.otlp-protocol': expected http/protobuf or grpc, got '" + protocol + "'");
        String serviceName = src.string("audit.service-name", "mcpguard-proxy");
        src.require(!serviceName.isBlank(), "config key 'audit.service-name' must not be empty");
        String spool = src.string("audit.spool", "disk");
        src.require(
                spool.equals("disk") || spool.equals("memory"),
                "config key 'audit.spool': expected disk or memory, got '" + spool + "'");
        String spoolDir = spool.equals("memory") ? "" : src.string("audit.spool-dir", DEFAULT_SPOOL_DIR);
        int spoolMaxBytes = src.bytes("audit.spool-max-bytes", 256 * 1024 * 1024, 1024 * 1024, Integer.MAX_VALUE);
        List<String> labelArguments = src.list("audit.label-arguments", List.of("workspace"));
        for (String name : labelArguments) {
            src.require(
                    name.matches("[a-z][a-z0-9_]{0,31}"),
                    "config key 'audit.label-arguments': '" + name + "' is not an argument name such as workspace");
        }
        return new Audit(
                enabled,
                endpoint,
                protocol,
                serviceName,
                subjectHashKey(src),
                spoolDir.isEmpty() ? null : Path.of(spoolDir),
                spoolMaxBytes,
                src.integer("audit.denial-burst-threshold", 20, 2, 1_000_000),
                src.duration(
                        "audit.denial-burst-window", Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofDays(1)),
                src.integer("audit.auth-failure-burst-threshold", 10, 2, 1_000_000),
                src.duration(
                        "audit.auth-failure-burst-window",
                        Duration.ofMinutes(1),
                        Duration.ofSeconds(1),
                        Duration.ofDays(1)),
                src.integer("audit.masking-spike-threshold", 100, 2, 100_000_000),
                src.duration(
                        "audit.masking-spike-window", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofDays(1)),
                src.bool("audit.record-tool-calls", false),
                src.integer("audit.record-max-chars", 4096, 64, 1_048_576),
                spoolKeys(src),
                src.duration("audit.spool-max-age", Duration.ofDays(7), Duration.ofMinutes(1), Duration.ofDays(365)),
                new UnauthenticatedSpans(
                        src.integer("audit.unauthenticated.spans-per-address-per-minute", 10, 0, 1_000_000),
                        src.integer("audit.unauthenticated.spans-per-second", 50, 0, 1_000_000),
                        src.integer("audit.unauthenticated.spool-percent", 10, 0, 100)),
                labelArguments);
    }

    /**
     * The spool's keys, from a file ({@code audit.spool-key-file}, a mounted Kubernetes Secret) or an environment
     * variable ({@code audit.spool-key-env}): one {@code id=base64-of-32-bytes} per line (or comma-separated), the
     * current key first, older keys after it until what they sealed has drained.
     */
    private static List<SpoolKey> spoolKeys(ConfigSource src) {
        Secret text = SecretKeys.load(src, "audit.spool-key", 0, true);
        if (text == null) {
            return List.of();
        }
        String key = src.string("audit.spool-key-file", "").isEmpty() ? "audit.spool-key-env" : "audit.spool-key-file";
        List<SpoolKey> keys = new java.util.ArrayList<>();
        java.util.Set<String> ids = new java.util.HashSet<>();
        int entry = 0;
        for (String line : text.reveal().split("[\\r\\n,]+")) {
            String item = line.strip();
            if (item.isEmpty() || item.startsWith("#")) {
                continue;
            }
            entry++;
            int eq = item.indexOf('=');
            String id = eq < 0 ? "" : item.substring(0, eq).strip();
            // Never quote the entry: it holds the key.
            String where = "config key '" + key + "', entry " + entry + ": ";
            if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
                src.require(false, where + "expected id=base64-of-32-bytes with an id of letters, digits, . _ -");
                continue;
            }
            src.require(ids.add(id), where + "key id '" + id + "' is listed twice");
            byte[] raw;
            try {
                raw = java.util.Base64.getDecoder()
                        .decode(item.substring(eq + 1).strip());
            } catch (IllegalArgumentException e) {
                src.require(false, where + "the key of id '" + id + "' is not base64");
                continue;
            }
            src.require(
                    raw.length == 32,
                    where + "the key of id '" + id + "' is " + raw.length + " bytes; AES-256 needs 32"
                            + " (head -c 32 /dev/urandom | base64)");
            keys.add(new SpoolKey(id, new Secret(item.substring(eq + 1).strip())));
            java.util.Arrays.fill(raw, (byte) 0);
        }
        src.require(!keys.isEmpty(), "config key '" + key + "': no key in it");
        return keys;
    }

    /**
     * The key that pseudonymises subject ids in the audit trail, from a file or a named environment variable; like
     * the upstream credential, never a config value itself. At least 32 bytes, so the hash cannot be brute-forced
     * over a directory of user names.
     */
    private static Secret subjectHashKey(ConfigSource src) {
        return SecretKeys.load(src, "audit.subject-hash-key", 32);
    }
}
