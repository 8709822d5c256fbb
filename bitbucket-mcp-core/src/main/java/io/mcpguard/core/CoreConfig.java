package io.mcpguard.core;

import io.mcpguard.core.bitbucket.BitbucketAuth;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything the core is told at start, from the environment and the command line, validated at once with a message
 * that names the bad setting.
 *
 * <table>
 *   <caption>Environment</caption>
 *   <tr><td>BITBUCKET_URL</td><td>API base, default {@code https://api.bitbucket.org/2.0}</td></tr>
 *   <tr><td>BITBUCKET_EMAIL + BITBUCKET_API_TOKEN</td><td>Atlassian API token, sent as HTTP Basic</td></tr>
 *   <tr><td>BITBUCKET_ACCESS_TOKEN</td><td>access/OAuth token, sent as Bearer (used when no API token is set)</td></tr>
 *   <tr><td>BITBUCKET_ENABLE_WRITES</td><td>offer the write tools (default false)</td></tr>
 *   <tr><td>BITBUCKET_ENABLE_DANGEROUS</td><td>offer merge/decline/delete-branch (default false)</td></tr>
 *   <tr><td>BITBUCKET_TIMEOUT_SECONDS</td><td>per Bitbucket request, default 30</td></tr>
 *   <tr><td>BITBUCKET_MAX_RETRY_WAIT_SECONDS</td><td>longest Retry-After waited for before retrying, default 10</td></tr>
 *   <tr><td>MCP_HTTP_HOST / MCP_HTTP_PORT</td><td>HTTP bind, default 127.0.0.1:8080</td></tr>
 *   <tr><td>MCP_KEEP_ALIVE_SECONDS</td><td>SSE keep-alive interval, default 15</td></tr>
 *   <tr><td>MCP_ALLOWED_HOSTS / MCP_ALLOWED_ORIGINS</td><td>comma lists for DNS-rebinding protection</td></tr>
 * </table>
 */
public record CoreConfig(
        Mode mode,
        URI bitbucketUrl,
        BitbucketAuth auth,
        boolean writes,
        boolean dangerous,
        Duration bitbucketTimeout,
        Duration maxRetryWait,
        String host,
        int port,
        Duration keepAlive,
        List<String> allowedHosts,
        List<String> allowedOrigins) {

    public enum Mode {
        HTTP,
        STDIO
    }

    public static final String DEFAULT_BITBUCKET_URL = "https://api.bitbucket.org/2.0";

    /** Thrown for a setting that cannot be used; the message names it. */
    public static final class InvalidConfigException extends RuntimeException {
        InvalidConfigException(String message) {
            super(message);
        }
    }

    public static CoreConfig from(String[] args, Map<String, String> env) {
        Mode mode = null;
        String host = env.getOrDefault("MCP_HTTP_HOST", "127.0.0.1");
        int port = integer(env, "MCP_HTTP_PORT", 8080, 0, 65535);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--http" -> mode = exclusive(mode, Mode.HTTP);
                case "--stdio" -> mode = exclusive(mode, Mode.STDIO);
                case "--port" -> port = parse("--port", value(args, ++i, "--port"), 0, 65535);
                case "--host" -> host = value(args, ++i, "--host");
                default ->
                    throw new InvalidConfigException(
                            "unknown argument '" + args[i] + "'; usage: --http [--host H] [--port N] | --stdio");
            }
        }
        if (mode == null) {
            throw new InvalidConfigException("choose a transport: --http [--host H] [--port N] or --stdio");
        }
        String url = env.getOrDefault("BITBUCKET_URL", DEFAULT_BITBUCKET_URL).strip();
        URI bitbucketUrl;
        try {
            bitbucketUrl = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("BITBUCKET_URL is not a URL: " + url);
        }
        if (!"https".equals(bitbucketUrl.getScheme()) && !"http".equals(bitbucketUrl.getScheme())
                || bitbucketUrl.getHost() == null) {
            throw new InvalidConfigException("BITBUCKET_URL must be an http(s) URL with a host, got: " + url);
        }
        List<String> defaultHosts = List.of("localhost:*", "127.0.0.1:*", "[::1]:*", host + ":*");
        List<String> defaultOrigins = List.of("http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*");
        return new CoreConfig(
                mode,
                bitbucketUrl,
                auth(env),
                bool(env, "BITBUCKET_ENABLE_WRITES"),
                bool(env, "BITBUCKET_ENABLE_DANGEROUS"),
                Duration.ofSeconds(integer(env, "BITBUCKET_TIMEOUT_SECONDS", 30, 1, 600)),
                Duration.ofSeconds(integer(env, "BITBUCKET_MAX_RETRY_WAIT_SECONDS", 10, 0, 600)),
                host,
                port,
                Duration.ofSeconds(integer(env, "MCP_KEEP_ALIVE_SECONDS", 15, 1, 3600)),
                list(env, "MCP_ALLOWED_HOSTS", defaultHosts),
                list(env, "MCP_ALLOWED_ORIGINS", defaultOrigins));
    }

    private static BitbucketAuth auth(Map<String, String> env) {
        String email = blankToNull(env.get("BITBUCKET_EMAIL"));
        String apiToken = blankToNull(env.get("BITBUCKET_API_TOKEN"));
        String accessToken = blankToNull(env.get("BITBUCKET_ACCESS_TOKEN"));
        if (apiToken != null) {
            if (email == null) {
                throw new InvalidConfigException(
                        "BITBUCKET_API_TOKEN needs BITBUCKET_EMAIL (Atlassian API tokens are sent as email:token)");
            }
            return new BitbucketAuth.ApiToken(email, apiToken);
        }
        if (email != null) {
            throw new InvalidConfigException("BITBUCKET_EMAIL is set but BITBUCKET_API_TOKEN is not");
        }
        if (accessToken != null) return new BitbucketAuth.AccessToken(accessToken);
        return new BitbucketAuth.Anonymous();
    }

    private static Mode exclusive(Mode current, Mode wanted) {
        if (current != null && current != wanted) {
            throw new InvalidConfigException("--http and --stdio exclude each other");
        }
        return wanted;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) throw new InvalidConfigException(flag + " needs a value");
        return args[i];
    }

    private static int integer(Map<String, String> env, String key, int fallback, int min, int max) {
        String raw = blankToNull(env.get(key));
        return raw == null ? fallback : parse(key, raw, min, max);
    }

    private static int parse(String key, String raw, int min, int max) {
        try {
            int value = Integer.parseInt(raw.strip());
            if (value < min || value > max) {
                throw new InvalidConfigException(key + " must be between " + min + " and " + max + ", got " + raw);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(key + " must be a number, got '" + raw + "'");
        }
    }

    private static boolean bool(Map<String, String> env, String key) {
        String raw = blankToNull(env.get(key));
        if (raw == null) return false;
        return switch (raw.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new InvalidConfigException(key + " must be true or false, got '" + raw + "'");
        };
    }

    private static List<String> list(Map<String, String> env, String key, List<String> fallback) {
        String raw = blankToNull(env.get(key));
        if (raw == null) return fallback;
        return Arrays.stream(raw.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
