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
        Limits limits,
        Mask mask,
        Auth auth,
        Audit audit,
        Policy policy,
        TlsSettings tls,
        Budgets budgets,
        Recording recording,
        Shadow shadow,
        StdioServer stdio) {

    /**
     * Shadow mode ({@code policy.shadow.*}): a candidate policy decided beside the enforced one, its disagreements
     * counted and logged, never enforced.
     *
     * @param decisionPath the candidate's decision in the same OPA (e.g. {@code mcp/authz_candidate/decision}), or
     *     null for no shadow
     * @param samplePercent the share of decisions put to the candidate too
     * @param maxConcurrent candidate decisions at once; beyond, skipped
     */
    public record Shadow(String decisionPath, int samplePercent, int maxConcurrent) {}

    /**
     * Recording of policy inputs and decisions for {@code mcpguard replay} ({@code policy.record.*}).
     *
     * @param file a JSON Lines file, or null for no recording
     * @param arguments {@code masked}: tool arguments' strings with every maskable class masked; {@code hashed}:
     *     every argument string but {@code workspace} and {@code repo} (what permissions depend on) replaced by its
     *     SHA-256
     * @param maxBytes the file's bound: recording stops there, with one WARN
     */
    /**
     * @param maxBytes the most one day's file may hold
     * @param maxAge how long a day's file is kept after the day ended
     */
    public record Recording(Path file, String arguments, long maxBytes, java.time.Duration maxAge) {}

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

    /**
     * The MCP server the proxy guards; requests go to {@code url} whatever path the client used.
     *
     * @param credentialHeader the header that carries the proxy's own credential to the server
     * @param credential the proxy's own credential for the server (the client's token is never passed on), or null
     */
    public record Upstream(
            URI url,
            Duration connectTimeout,
            Duration responseTimeout,
            int maxConnections,
            String credentialHeader,
            Secret credential,
            ToolPinning toolPins,
            Bridge bridge) {

        /** An upstream the proxy bridges modern clients to with the defaults of {@link Bridge}. */
        public Upstream(
                URI url,
                Duration connectTimeout,
                Duration responseTimeout,
                int maxConnections,
                String credentialHeader,
                Secret credential,
                ToolPinning toolPins) {
            this(
                    url,
                    connectTimeout,
                    responseTimeout,
                    maxConnections,
                    credentialHeader,
                    credential,
                    toolPins,
                    Bridge.DEFAULT);
        }
    }

    /**
     * How 2026-07-28 ("modern") clients reach the guarded server ({@code upstream.era}, {@code upstream.bridge.*}).
     *
     * @param legacyServer the server speaks only the legacy eras ({@code upstream.era: legacy}, the default): the
     *     proxy answers modern clients itself and holds a legacy session to the server per subject. False ({@code
     *     modern}): the server speaks 2026-07-28 and modern requests pass as they are
     * @param maxSessions the most bridged sessions held at once; beyond, the least recently used one is ended
     * @param idleTimeout a bridged session unused this long is ended at the server
     * @param requestStateKey the secret the sealing key of multi round-trip request states is derived from ({@code
     *     upstream.request-state-key-file|env}, at least 32 bytes), shared by every replica so that a retry may reach
     *     any of them; null: a random key of this process (a retry must come back through the proxy that sealed it)
     */
    public record Bridge(boolean legacyServer, int maxSessions, Duration idleTimeout, Secret requestStateKey) {
        public static final Bridge DEFAULT = new Bridge(true, 1000, Duration.ofMinutes(10), null);

        public Bridge(boolean legacyServer, int maxSessions, Duration idleTimeout) {
            this(legacyServer, maxSessions, idleTimeout, null);
        }
    }

    /**
     * The reviewed tool definitions ({@code upstream.tool-pins.*}).
     *
     * @param manifest the pins {@code mcpguard pin} wrote, or null for none
     * @param mode {@code off}, {@code warn} (compared, told to the policy and logged) or {@code pin} (a drifted or
     *     unpinned tool is hidden from {@code tools/list} and the default policy denies its calls)
     */
    public record ToolPinning(java.nio.file.Path manifest, String mode) {}

    /**
     * Who may use the MCP endpoint: the proxy is an OAuth 2.1 resource server (MCP authorization) and also accepts
     * hashed API keys for service accounts.
     *
     * @param mode {@code required}: every request to the MCP endpoint needs a valid credential; {@code none}: no
     *     check, every subject is anonymous (development only)
     * @param resource this proxy's canonical resource URI (RFC 8707); tokens must name it as their audience
     * @param issuer the authorization server whose tokens are accepted, or null for none (API keys only)
     * @param jwksUri where the issuer's keys are, or null to discover them from the issuer's metadata
     * @param algorithms accepted JWS algorithms; asymmetric only
     * @param clockSkew tolerance on {@code exp}, {@code nbf} and {@code iat}
     * @param jwksCacheTtl keys older than this are refreshed in the background (still used meanwhile)
     * @param jwksMinRefreshInterval at most one fetch per this interval however many unknown {@code kid}s arrive
     * @param fetchTimeout limit on each metadata or key fetch
     * @param requiredScopes scopes every MCP request needs
     * @param methodScopes scopes a JSON-RPC method needs, in addition
     * @param toolScopes scopes a {@code tools/call} of a tool needs, in addition
     * @param stepUpScope the scope a step-up challenge asks for when the policy requires MFA, or null
     * @param claims which token claims carry roles, groups and tenant
     * @param apiKeysFile the API key store (hashes only), or null for no API keys
     * @param apiKeysReloadInterval how often the store's file is checked for changes
     * @param sessionTtl how long a session's binding to its subject lives after its last use
     * @param maxSessions most session bindings kept at once
     * @param sessionsPerSubject most session bindings of one subject; a new one past it ends the subject's oldest,
     *     so a subject initializing in a loop churns its own sessions, never other users'
     */
    public record Auth(
            Mode mode,
            URI resource,
            URI issuer,
            URI jwksUri,
            List<String> algorithms,
            Duration clockSkew,
            Duration jwksCacheTtl,
            Duration jwksMinRefreshInterval,
            Duration fetchTimeout,
            List<String> requiredScopes,
            Map<String, List<String>> methodScopes,
            Map<String, List<String>> toolScopes,
            String stepUpScope,
            Claims claims,
            Path apiKeysFile,
            Duration apiKeysReloadInterval,
            Duration sessionTtl,
            int maxSessions,
            int sessionsPerSubject) {

        public Auth {
            algorithms = List.copyOf(algorithms);
            requiredScopes = List.copyOf(requiredScopes);
            methodScopes = Map.copyOf(methodScopes);
            toolScopes = Map.copyOf(toolScopes);
        }

        public enum Mode {
            NONE,
            REQUIRED
        }

        /** Claim names; a dotted name reads a nested claim ({@code realm_access.roles} for Keycloak). */
        public record Claims(String roles, String groups, String tenant) {}
    }

    /** The OPA sidecar: where to ask, which rule, and how long a decision may take before the proxy denies. */
    public record Opa(URI url, String decisionPath, Duration timeout, int maxConnections, int maxPendingDecisions) {}

    /**
     * Which engine decides ({@code policy.engine}): {@code rest} asks the OPA sidecar at {@code opa.url}; {@code wasm}
     * evaluates the policy compiled to Wasm ({@code opa build -t wasm}) inside the proxy ({@code policy.WasmPolicyEngine}).
     *
     * @param wasmBundle the bundle: {@code bundle.tar.gz} or a directory holding {@code policy.wasm}, {@code
     *     data.json} and {@code .manifest}; null with {@code rest}
     * @param wasmReloadInterval how often the bundle file is checked for a new version
     * @param wasmInstances policy instances, one per evaluating thread
     * @param wasmMaxPending decisions that may wait for a free instance before new ones are denied
     */
    public record Policy(
            Engine engine, Path wasmBundle, Duration wasmReloadInterval, int wasmInstances, int wasmMaxPending) {
        public enum Engine {
            REST,
            WASM
        }
    }

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
     * Token buckets for the policy's quotas: in this process ({@code quota.LocalQuotaStore}) or shared by every
     * replica in Redis ({@code quota.RedisQuotaStore}).
     *
     * @param maxBuckets buckets kept at most in this process (one per subject and tool class in use); least recently
     *     used go first. With Redis, the bound of the fallback buckets
     * @param store where the buckets live
     * @param redis how to reach Redis; null unless {@code store} is {@code REDIS}
     */
    public record Quota(int maxBuckets, Store store, Redis redis) {
        public Quota(int maxBuckets) {
            this(maxBuckets, Store.LOCAL, null);
        }

        public enum Store {
            LOCAL,
            REDIS
        }

        /**
         * @param url {@code redis://host:port[/db]} or {@code rediss://} for TLS; never with a password in it
         * @param username the ACL user, or null for the default user
         * @param password the AUTH password (from a file or an environment variable), or null
         * @param timeout the longest a quota check waits for Redis before the policy's fail mode applies
         * @param tlsCaFile PEM certificates trusted for a {@code rediss://} server, or null for the JDK's trust store
         */
        public record Redis(URI url, String username, Secret password, Duration timeout, Path tlsCaFile) {
            public Redis(URI url, String username, Secret password, Duration timeout) {
                this(url, username, password, timeout, null);
            }
        }
    }

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
     *     filter a {@code tools/list} result in it; a larger one is refused ({@code -32011}), never passed unfiltered
     */
    public record Limits(
            int maxBodyBytes,
            int maxHeaderBytes,
            int maxJsonDepth,
            int maxStringLength,
            int maxBatchSize,
            Duration requestReadTimeout,
            Duration headerTimeout,
            Duration idleTimeout,
            int maxConnections,
            int maxRewriteBytes,
            ArgumentBound arguments) {}

    /**
     * How large a call's arguments may be for the policy to read them, well below the body limit: the arguments are
     * classified, hashed and sent to the policy engine, so a call beyond this is denied before any of that.
     *
     * @param maxBytes the arguments' size as the client sent them (canonical JSON)
     * @param maxDepth how deeply objects and arrays nest inside them
     * @param maxMembers how many values (object members and array elements, at any depth) they hold
     */
    public record ArgumentBound(int maxBytes, int maxDepth, int maxMembers) {}

    /**
     * What one subject — or, before authentication, one client address — may hold at once ({@code budget.*}), so
     * none can use up what the others need. Each is also bounded globally where the resource is shared.
     *
     * @param connectionsPerAddress open connections of one client address ({@code budgets.per-address.connections})
     * @param inFlight requests of one subject served at once, streams included
     * @param streams the server's event streams (GET) one subject holds open
     * @param decisions bodies of one subject being decided at once
     */
    public record Budgets(int connectionsPerAddress, int inFlight, int streams, int decisions) {}

    /**
     * The masking stage: how answers are masked when a decision names data classes (see {@code mask.MaskRules}).
     *
     * @param hashKey the HMAC key of the {@code hash} style (at least 32 bytes), or null: then a random key is made
     *     per process and hashes are not stable across restarts
     * @param internalDomains DNS suffixes whose host names count as internal infrastructure
     * @param styles the style per policy data class ({@code secret}, {@code personal_data},
     *     {@code internal_infrastructure}): {@code redact}, {@code partial} or {@code hash}
     * @param rulesFile a team's masking rules in gitleaks' TOML format ({@code mask.RulesFile}), added to the
     *     project's own and reloaded when it changes; null for the project's rules alone
     */
    public record Mask(Secret hashKey, List<String> internalDomains, Map<String, String> styles, Path rulesFile) {
        /** The policy data classes a style can be set for: the ones with patterns to find. */
        public static final List<String> STYLED_CLASSES = List.of("secret", "personal_data", "internal_infrastructure");

        public Mask {
            internalDomains = List.copyOf(internalDomains);
            styles = Map.copyOf(styles);
        }
    }

    /**
     * The audit trail ({@code audit.AuditTrail}): one OpenTelemetry span per MCP message, exported over OTLP. The
     * standard {@code OTEL_*} variables (e.g. {@code OTEL_EXPORTER_OTLP_ENDPOINT}) override these keys.
     *
     * @param enabled whether spans are recorded and exported at all
     * @param otlpEndpoint the collector's OTLP endpoint (base URL; {@code /v1/traces} is appended for http/protobuf)
     * @param otlpProtocol {@code http/protobuf} or {@code grpc}
     * @param serviceName the {@code service.name} of the proxy's resource
     * @param subjectHashKey when set, subject ids are recorded as a keyed hash (HMAC-SHA256) instead of in clear
     * @param spoolDir where spans wait for the collector (written before they are sent), or null to keep them in
     *     memory only ({@code audit.spool: memory})
     * @param spoolMaxBytes the spool's bound; past it the oldest spooled spans are dropped, with a WARN line
     * @param denialBurstThreshold this many refusals of one subject within {@code denialBurstWindow} raise a
     *     {@code security.denial_burst} event
     * @param denialBurstWindow see {@code denialBurstThreshold}
     * @param authFailureBurstThreshold this many authentication failures from one client address within {@code
     *     authFailureBurstWindow} raise a {@code security.authentication_failure_burst} event
     * @param authFailureBurstWindow see {@code authFailureBurstThreshold}
     * @param maskingSpikeThreshold this many spans masked in the answers to one subject within {@code
     *     maskingSpikeWindow} raise a {@code security.masking_spike} event
     * @param maskingSpikeWindow see {@code maskingSpikeThreshold}
     * @param recordToolCalls opt-in: record tool arguments and results on the spans ({@code
     *     gen_ai.tool.call.arguments}, {@code gen_ai.tool.call.result}), every maskable class masked
     * @param recordMaxChars the longest recorded argument or result; longer ones are cut
     * @param spoolKeys the AES-256-GCM keys of the spool, the one new data is sealed with first, then older ones
     *     that still open what they sealed until it drains; empty: the spool is written in clear
     * @param spoolMaxAge spooled data older than this is dropped, with a WARN line and a count
     * @param unauthenticated the share of the trail requests refused before authentication may take
     */
    public record Audit(
            boolean enabled,
            URI otlpEndpoint,
            String otlpProtocol,
            String serviceName,
            Secret subjectHashKey,
            Path spoolDir,
            long spoolMaxBytes,
            int denialBurstThreshold,
            Duration denialBurstWindow,
            int authFailureBurstThreshold,
            Duration authFailureBurstWindow,
            int maskingSpikeThreshold,
            Duration maskingSpikeWindow,
            boolean recordToolCalls,
            int recordMaxChars,
            List<SpoolKey> spoolKeys,
            Duration spoolMaxAge,
            UnauthenticatedSpans unauthenticated,
            List<String> labelArguments) {

        public Audit {
            spoolKeys = List.copyOf(spoolKeys);
            labelArguments = List.copyOf(labelArguments);
        }
    }

    /**
     * The share of the trail a request refused before authentication may take (each is counted either way).
     *
     * @param perAddressPerMinute spans a minute from one client address
     * @param perSecond spans a second from all addresses together
     * @param spoolPercent none while the spans' spool is fuller than this
     */
    public record UnauthenticatedSpans(int perAddressPerMinute, int perSecond, int spoolPercent) {}

    /**
     * A key of the audit spool's encryption at rest.
     *
     * @param id written beside every record it seals, so the record finds its key after a rotation
     * @param key 32 bytes (AES-256)
     */
    public record SpoolKey(String id, Secret key) {}

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
                src.uri("upstream.url", "http://127.0.0.1:8080/mcp", false),
                src.duration("upstream.connect-timeout", Duration.ofSeconds(2), ms1, Duration.ofMinutes(1)),
                src.duration("upstream.response-timeout", Duration.ofSeconds(60), ms1, day),
                src.integer("upstream.max-connections", 512, 1, 65536),
                UpstreamSection.credentialHeader(src),
                UpstreamSection.upstreamCredential(src),
                UpstreamSection.toolPins(src),
                UpstreamSection.bridge(src));
        Opa opa = new Opa(
                src.httpUri("opa.url", "http://127.0.0.1:8181"),
                PolicySection.decisionPath(src),
                src.duration("opa.timeout", Duration.ofMillis(500), ms1, Duration.ofMinutes(1)),
                src.integer("opa.max-connections", 32, 1, 4096),
                src.integer("opa.max-pending-decisions", 1024, 0, 1_000_000));
        PolicyCache policyCache = new PolicyCache(
                src.integer("policy-cache.max-entries", 10_000, 0, 10_000_000),
                src.duration("policy-cache.max-ttl", Duration.ofSeconds(60), ms1, day),
                src.duration("policy-cache.revision-check-interval", Duration.ofSeconds(1), ms1, Duration.ofHours(1)));
        Quota quota = QuotaSection.parse(src);
        Limits limits = new Limits(
                src.bytes("limits.max-body-bytes", 4 * 1024 * 1024, 256, 256 * 1024 * 1024),
                src.bytes("limits.max-header-bytes", 16 * 1024, 1024, 1024 * 1024),
                src.integer("limits.max-json-depth", 64, 2, 1000),
                src.bytes("limits.max-string-length", 1024 * 1024, 64, 256 * 1024 * 1024),
                src.integer("limits.max-batch-size", 32, 0, 10_000),
                src.duration("limits.request-read-timeout", Duration.ofSeconds(30), ms1, Duration.ofHours(1)),
                src.duration("limits.header-timeout", Duration.ofSeconds(10), ms1, Duration.ofHours(1)),
                src.duration("limits.idle-timeout", Duration.ofMinutes(5), Duration.ofSeconds(1), day),
                src.integer("limits.max-connections", 10_000, 1, 1_000_000),
                src.bytes("limits.max-rewrite-bytes", 4 * 1024 * 1024, 1024, 256 * 1024 * 1024),
                new ArgumentBound(
                        src.bytes("limits.max-argument-bytes", 256 * 1024, 64, 256 * 1024 * 1024),
                        src.integer("limits.max-argument-depth", 32, 1, 1000),
                        src.integer("limits.max-argument-members", 10_000, 1, 10_000_000)));
        Budgets budgets = new Budgets(
                src.integer("budgets.per-address.connections", 1_000, 1, 1_000_000),
                src.integer("budgets.per-subject.in-flight", 32, 1, 1_000_000),
                src.integer("budgets.per-subject.streams", 4, 1, 1_000_000),
                src.integer("budgets.per-subject.decisions", 16, 1, 1_000_000));

        Auth auth = AuthSection.parse(src);
        Mask mask = MaskSection.parse(src);

        // A request waiting for the issuer's keys (discovery, then the JWKS) must not hit the read deadline first.
        src.require(
                auth.mode() != Auth.Mode.REQUIRED
                        || auth.issuer() == null
                        || auth.fetchTimeout().multipliedBy(2).compareTo(limits.requestReadTimeout()) <= 0,
                "config key 'auth.fetch-timeout' must be at most half of 'limits.request-read-timeout'");
        src.require(
                limits.maxStringLength() <= limits.maxBodyBytes(),
                "config key 'limits.max-string-length' must not exceed 'limits.max-body-bytes'");
        Audit audit = AuditSection.parse(src);
        Policy policy = PolicySection.parse(src, opa);
        Recording recording = PolicySection.recording(src);
        Shadow shadow = PolicySection.shadow(src, policy);
        TlsSettings tls =
                TlsSettings.parse(src, "https".equalsIgnoreCase(upstream.url().getScheme()));
        StdioServer stdio = StdioSection.parse(src, limits.maxRewriteBytes());
        src.finish();
        return new ProxyConfig(
                listen,
                mcpPath,
                upstream,
                opa,
                policyCache,
                quota,
                limits,
                mask,
                auth,
                audit,
                policy,
                tls,
                budgets,
                recording,
                shadow,
                stdio);
    }

    private static String firstLine(String text) {
        return text == null ? "" : text.lines().findFirst().orElse("");
    }
}
