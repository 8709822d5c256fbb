package io.mcpguard.proxy.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything the proxy can be told, validated at start. One YAML file plus {@code MCPGUARD_*} environment
 * overrides; see {@code proxy/src/main/resources/mcpguard.example.yaml} for every key with its default.
 */
public record ProxyConfig(
        Listen listen,
        String mcpPath,
        Upstream upstream,
        Opa opa,
        PolicyCache policyCache,
        Quota quota,
        Limits limits) {

    /**
     * Where the proxy accepts clients, and which {@code Host} and {@code Origin} headers it accepts from them (the
     * MCP transport's DNS-rebinding defence; the proxy rewrites {@code Host} for the upstream, so the check must
     * happen here).
     *
     * @param allowedHosts {@code host} (any port), {@code host:port}, or {@code *} for any
     * @param allowedOrigins {@code scheme://host}, {@code scheme://host:port}, {@code scheme://host:*}, or {@code *}
     */
    public record Listen(String host, int port, List<String> allowedHosts, List<String> allowedOrigins) {
        public Listen {
            allowedHosts = List.copyOf(allowedHosts);
            allowedOrigins = List.copyOf(allowedOrigins);
        }
    }

    /** The MCP server the proxy guards; requests go to {@code url} whatever path the client used. */
    public record Upstream(URI url, Duration connectTimeout, Duration responseTimeout, int maxConnections) {}

    /** The OPA sidecar: where to ask, which rule, and how long a decision may take before the proxy denies. */
    public record Opa(URI url, String decisionPath, Duration timeout, int maxConnections, int maxPendingDecisions) {}

    /**
     * Reuse of decisions for identical inputs ({@code policy.CachingPolicyEngine}).
     *
     * @param maxEntries decisions kept at most; 0 turns the cache off
     * @param maxTtl the longest any decision is kept, whatever {@code cache_ttl_ms} the policy asked for
     * @param revisionCheckInterval how often OPA is asked for its policy revision, so a new policy drops cached
     *     decisions even for inputs that never miss
     */
    public record PolicyCache(int maxEntries, Duration maxTtl, Duration revisionCheckInterval) {}

    /**
     * Token buckets for the policy's quotas ({@code quota.LocalQuotaStore}).
     *
     * @param maxBuckets buckets kept at most (one per subject and tool class in use); least recently used go first
     */
    public record Quota(int maxBuckets) {}

    /**
     * Bounds on what a client may send and how long it may hold a connection.
     *
     * @param maxBodyBytes largest POST body accepted; larger gets 413 before any parsing
     * @param maxHeaderBytes largest header block; larger gets 431
     * @param maxJsonDepth deepest nesting of arrays and objects in a message
     * @param maxStringLength longest JSON string (key or value), in characters
     * @param maxBatchSize largest JSON-RPC batch decided element by element; 0 rejects every batch
     * @param requestReadTimeout time from a request's first byte to its last
     * @param idleTimeout a connection with no traffic either way for this long is closed; must exceed the
     *     upstream's SSE keep-alive interval so quiet streams survive
     * @param maxConnections client connections open at once; more are closed on accept
     * @param maxRewriteBytes largest upstream answer (a JSON body, or one SSE event) the proxy holds in order to
     *     filter a {@code tools/list} result in it; a larger one is refused ({@code -32007}), never passed unfiltered
     */
    public record Limits(
            int maxBodyBytes,
            int maxHeaderBytes,
            int maxJsonDepth,
            int maxStringLength,
            int maxBatchSize,
            Duration requestReadTimeout,
            Duration idleTimeout,
            int maxConnections,
            int maxRewriteBytes) {}

    /** Loads {@code file} (may be null: defaults and environment only) and validates every key. */
    public static ProxyConfig load(Path file, Map<String, String> env) {
        JsonNode root = null;
        String origin = "environment";
        if (file != null) {
            origin = file.toString();
            try {
                root = yaml().readTree(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new ConfigException(List.of(origin + ": cannot read config file: " + firstLine(e.getMessage())));
            }
        }
        return from(new ConfigSource(root, env, origin));
    }

    /** Parses YAML text; for tests and for configs assembled in code. */
    public static ProxyConfig parse(String yaml, Map<String, String> env) {
        try {
            return from(new ConfigSource(yaml().readTree(yaml), env, "config"));
        } catch (IOException e) {
            throw new ConfigException(List.of("config: not valid YAML: " + firstLine(e.getMessage())));
        }
    }

    /** A key given twice is an error, not "the last one wins": two values for one setting is never intended. */
    private static ObjectMapper yaml() {
        return new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    private static ProxyConfig from(ConfigSource src) {
        Duration ms1 = Duration.ofMillis(1);
        Duration day = Duration.ofDays(1);

        Listen listen = new Listen(
                src.string("listen.host", "127.0.0.1"),
                src.integer("listen.port", 8443, 0, 65535),
                src.list("listen.allowed-hosts", List.of("localhost", "127.0.0.1", "[::1]")),
                src.list(
                        "listen.allowed-origins",
                        List.of("http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*")));
        String mcpPath = src.path("mcp.path", "/mcp");
        Upstream upstream = new Upstream(
                src.httpUri("upstream.url", "http://127.0.0.1:8080/mcp"),
                src.duration("upstream.connect-timeout", Duration.ofSeconds(2), ms1, Duration.ofMinutes(1)),
                src.duration("upstream.response-timeout", Duration.ofSeconds(60), ms1, day),
                src.integer("upstream.max-connections", 512, 1, 65536));
        Opa opa = new Opa(
                src.httpUri("opa.url", "http://127.0.0.1:8181"),
                decisionPath(src),
                src.duration("opa.timeout", Duration.ofMillis(500), ms1, Duration.ofMinutes(1)),
                src.integer("opa.max-connections", 32, 1, 4096),
                src.integer("opa.max-pending-decisions", 1024, 0, 1_000_000));
        PolicyCache policyCache = new PolicyCache(
                src.integer("policy-cache.max-entries", 10_000, 0, 10_000_000),
                src.duration("policy-cache.max-ttl", Duration.ofSeconds(60), ms1, day),
                src.duration("policy-cache.revision-check-interval", Duration.ofSeconds(1), ms1, Duration.ofHours(1)));
        Quota quota = new Quota(src.integer("quota.max-buckets", 100_000, 1, 100_000_000));
        Limits limits = new Limits(
                src.bytes("limits.max-body-bytes", 4 * 1024 * 1024, 256, 256 * 1024 * 1024),
                src.bytes("limits.max-header-bytes", 16 * 1024, 1024, 1024 * 1024),
                src.integer("limits.max-json-depth", 64, 2, 1000),
                src.bytes("limits.max-string-length", 1024 * 1024, 64, 256 * 1024 * 1024),
                src.integer("limits.max-batch-size", 32, 0, 10_000),
                src.duration("limits.request-read-timeout", Duration.ofSeconds(30), ms1, Duration.ofHours(1)),
                src.duration("limits.idle-timeout", Duration.ofMinutes(5), Duration.ofSeconds(1), day),
                src.integer("limits.max-connections", 10_000, 1, 1_000_000),
                src.bytes("limits.max-rewrite-bytes", 4 * 1024 * 1024, 1024, 256 * 1024 * 1024));

        src.require(
                limits.maxStringLength() <= limits.maxBodyBytes(),
                "config key 'limits.max-string-length' must not exceed 'limits.max-body-bytes'");
        src.finish();
        return new ProxyConfig(listen, mcpPath, upstream, opa, policyCache, quota, limits);
    }

    private static String firstLine(String text) {
        return text == null ? "" : text.lines().findFirst().orElse("");
    }

    /** A rule path such as {@code mcp/authz/decision}: slash-separated Rego identifiers, no leading slash. */
    private static String decisionPath(ConfigSource src) {
        String path = src.string("opa.decision-path", "mcp/authz/decision");
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        src.require(
                trimmed.matches("[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*"),
                "config key 'opa.decision-path': expected a rule path such as mcp/authz/decision, got '" + path + "'");
        return trimmed;
    }
}
