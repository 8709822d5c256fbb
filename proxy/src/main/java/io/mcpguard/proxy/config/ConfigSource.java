package io.mcpguard.proxy.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, validated reads of dotted keys from a YAML tree, each overridable by an environment variable.
 *
 * <p>The environment variable of key {@code opa.decision-path} is {@code MCPGUARD_OPA_DECISION_PATH}. Every read
 * records the key as known; {@link #finish()} then rejects keys the file has but nobody read, which is how a typo
 * ({@code upstrem.url}) becomes an error instead of a silently ignored setting. Problems are collected, not thrown
 * one at a time, so an operator sees every bad key in one start.
 */
final class ConfigSource {
    static final String ENV_PREFIX = "MCPGUARD_";

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");

    private final Map<String, String> fileValues;
    private final Map<String, List<String>> fileLists = new LinkedHashMap<>();
    private final Map<String, String> env;
    private final String origin;
    private final List<String> problems = new ArrayList<>();
    private final List<String> knownKeys = new ArrayList<>();

    ConfigSource(JsonNode root, Map<String, String> env, String origin) {
        this.fileValues = new LinkedHashMap<>();
        this.env = env;
        this.origin = origin;
        if (root != null && !root.isMissingNode() && !root.isNull()) {
            if (!root.isObject()) {
                problems.add(origin + ": the top level must be a mapping of keys");
            } else {
                flatten("", root);
            }
        }
    }

    private void flatten(String prefix, JsonNode node) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject()) {
                flatten(key, value);
            } else if (value.isValueNode()) {
                fileValues.put(key, value.isNull() ? null : value.asText());
            } else if (value.isArray() && allScalars(value)) {
                List<String> items = new ArrayList<>();
                value.forEach(item -> items.add(item.asText()));
                fileLists.put(key, items);
                fileValues.put(key, String.join(",", items));
            } else {
                problems.add("config key '" + key + "': expected a single value, got a list");
                fileValues.put(key, null);
            }
        }
    }

    private static boolean allScalars(JsonNode array) {
        for (JsonNode item : array) {
            if (!item.isValueNode() || item.isNull()) {
                return false;
            }
        }
        return true;
    }

    static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * The raw text of a key, from the environment first, then the file; null when neither sets it. A NUL character
     * is refused here: no setting means one, and in a file name it would fail later with an exception that is no
     * config error (found by ProxyConfigFuzzTest).
     */
    private String raw(String key) {
        knownKeys.add(key);
        String fromEnv = env.get(envName(key));
        String value = fromEnv != null ? fromEnv : fileValues.get(key);
        if (value != null && value.indexOf('\0') >= 0) {
            problems.add("config key '" + key + "'" + where(key) + ": a value cannot contain a NUL character");
            return null;
        }
        return value == null ? null : value.trim();
    }

    private String where(String key) {
        return env.containsKey(envName(key)) ? " (from " + envName(key) + ")" : "";
    }

    private void problem(String key, String expected, String got) {
        problems.add("config key '" + key + "'" + where(key) + ": expected " + expected + ", got '" + got + "'");
    }

    /** A list: a YAML sequence in the file, or comma-separated text (the only form an environment variable has). */
    List<String> list(String key, List<String> fallback) {
        knownKeys.add(key);
        String fromEnv = env.get(envName(key));
        if (fromEnv == null && fileLists.containsKey(key)) {
            return List.copyOf(fileLists.get(key));
        }
        String text = fromEnv != null ? fromEnv : fileValues.get(key);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        List<String> items = new ArrayList<>();
        for (String item : text.split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return List.copyOf(items);
    }

    /**
     * A mapping of names to lists under {@code prefix} ({@code auth.tool-scopes: {merge_pull_request: [a, b]}}),
     * from the file only: a mapping has no single environment variable. A name may contain dots or slashes.
     */
    Map<String, List<String>> listMap(String prefix) {
        String start = prefix + ".";
        Map<String, List<String>> result = new LinkedHashMap<>();
        for (String key : List.copyOf(fileValues.keySet())) {
            if (key.startsWith(start) && key.length() > start.length()) {
                knownKeys.add(key);
                List<String> items = fileLists.get(key);
                if (items == null) {
                    String text = fileValues.get(key);
                    items = text == null || text.isBlank()
                            ? List.of()
                            : List.of(text.trim().split("[\\s,]+"));
                }
                result.put(key.substring(start.length()), List.copyOf(items));
            }
        }
        return Map.copyOf(result);
    }

    /**
     * A mapping of names to single values under {@code prefix} ({@code upstream.stdio.env.set: {LOG_LEVEL: info}}),
     * from the file only, like {@link #listMap}. Names keep their case; a value that is a list is a problem.
     */
    Map<String, String> stringMap(String prefix) {
        String start = prefix + ".";
        Map<String, String> result = new LinkedHashMap<>();
        for (String key : List.copyOf(fileValues.keySet())) {
            if (key.startsWith(start) && key.length() > start.length()) {
                knownKeys.add(key);
                if (fileLists.containsKey(key)) {
                    problems.add("config key '" + key + "': expected a single value, got a list");
                    continue;
                }
                String value = fileValues.get(key);
                result.put(key.substring(start.length()), value == null ? "" : value);
            }
        }
        return result;
    }

    String string(String key, String fallback) {
        if (fileLists.containsKey(key) && !env.containsKey(envName(key))) {
            knownKeys.add(key);
            problems.add("config key '" + key + "': expected a single value, got a list");
            return fallback;
        }
        String value = raw(key);
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        return value;
    }

    /** A path that starts with '/', has no query or fragment and no '..' segment. */
    String path(String key, String fallback) {
        String value = string(key, fallback);
        if (!value.startsWith("/") || value.contains("?") || value.contains("#") || value.contains("/../")) {
            problem(key, "an absolute path such as /mcp", value);
            return fallback;
        }
        return value;
    }

    int integer(String key, int fallback, int min, int max) {
        String value = raw(key);
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                problem(key, "an integer from " + min + " to " + max, value);
                return fallback;
            }
            return parsed;
        } catch (NumberFormatException e) {
            problem(key, "an integer from " + min + " to " + max, value);
            return fallback;
        }
    }

    /** A byte size: {@code 1048576}, {@code 64KiB}, {@code 1MiB}. */
    int bytes(String key, int fallback, int min, int max) {
        String value = raw(key);
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        Matcher m = SIZE.matcher(value);
        String expected = "a size from " + min + " to " + max + " bytes, such as 65536, 64KiB or 1MiB";
        if (!m.matches()) {
            problem(key, expected, value);
            return fallback;
        }
        long unit = switch (m.group(2) == null ? "B" : m.group(2)) {
            case "KiB" -> 1024L;
            case "MiB" -> 1024L * 1024;
            case "GiB" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        try {
            long parsed = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
            if (parsed < min || parsed > max) {
                problem(key, expected, value);
                return fallback;
            }
            return (int) parsed;
        } catch (ArithmeticException | NumberFormatException e) {
            problem(key, expected, value);
            return fallback;
        }
    }

    /** A duration: {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h} or ISO-8601 {@code PT5S}. */
    Duration duration(String key, Duration fallback, Duration min, Duration max) {
        String value = raw(key);
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        String expected = "a duration from " + format(min) + " to " + format(max) + ", such as 250ms, 5s or 2m";
        Duration parsed;
        Matcher m = DURATION.matcher(value);
        try {
            if (m.matches()) {
                long amount = Long.parseLong(m.group(1));
                parsed = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    default -> Duration.ofHours(amount);
                };
            } else {
                parsed = Duration.parse(value);
            }
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            problem(key, expected, value);
            return fallback;
        }
        if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
            problem(key, expected, value);
            return fallback;
        }
        return parsed;
    }

    /** An absolute http URI with a host; other schemes are refused until TLS to the hop is supported. */
    URI httpUri(String key, String fallback) {
        String value = string(key, fallback);
        try {
            URI uri = new URI(value);
            if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getFragment() != null) {
                problem(key, "an absolute http:// URL with a host", value);
                return URI.create(fallback);
            }
            return uri;
        } catch (URISyntaxException e) {
            problem(key, "an absolute http:// URL with a host", value);
            return URI.create(fallback);
        }
    }

    /**
     * An absolute http(s) URI without a fragment. With {@code httpsUnlessLoopback}, plain http is accepted only
     * for a loopback host: keys and metadata fetched over plain http could be swapped by anyone on the path.
     */
    URI uri(String key, String fallback, boolean httpsUnlessLoopback) {
        String value = string(key, fallback);
        String expected = httpsUnlessLoopback
                ? "an absolute https:// URL (http:// only for a loopback host), without a fragment"
                : "an absolute http:// or https:// URL without a fragment";
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            boolean loopback = uri.getHost() != null
                    && (uri.getHost().equals("localhost")
                            || uri.getHost().startsWith("127.")
                            || uri.getHost().equals("[::1]"));
            boolean schemeOk = scheme.equals("https") || (scheme.equals("http") && (!httpsUnlessLoopback || loopback));
            if (!schemeOk || uri.getHost() == null || uri.getFragment() != null) {
                problem(key, expected, value);
                return URI.create("https://invalid");
            }
            return uri;
        } catch (URISyntaxException e) {
            problem(key, expected, value);
            return URI.create("https://invalid");
        }
    }

    /** The value of an environment variable that is not itself a config key (a secret named by one). */
    String envValue(String name) {
        return env.get(name);
    }

    boolean bool(String key, boolean fallback) {
        String value = raw(key);
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> {
                problem(key, "true or false", value);
                yield fallback;
            }
        };
    }

    /** Adds a cross-key problem found after the reads (for example one timeout that must exceed another). */
    void require(boolean condition, String message) {
        if (!condition) {
            problems.add(message);
        }
    }

    /** Rejects keys the file sets that no read asked for, then throws if anything was wrong. */
    void finish() {
        for (String key : fileValues.keySet()) {
            if (!knownKeys.contains(key)) {
                problems.add(origin + ": unknown config key '" + key + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private static String format(Duration d) {
        return d.toMillis() < 1000 ? d.toMillis() + "ms" : d.toSeconds() + "s";
    }
}
