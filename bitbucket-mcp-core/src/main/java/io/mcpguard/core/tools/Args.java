package io.mcpguard.core.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed access to a tool call's arguments. The SDK already checks them against the input schema; these checks repeat
 * what matters for safety (slugs and paths cannot climb out of their URL segment) and give messages that name the
 * argument.
 */
public final class Args {
    private final Map<String, Object> values;

    public Args(Map<String, Object> values) {
        this.values = values == null ? Map.of() : values;
    }

    public void rejectUnknown(Set<String> known) {
        for (String key : values.keySet()) {
            if (!known.contains(key)) throw new ToolInputException("unknown argument '" + key + "'");
        }
    }

    public String string(String name) {
        String value = optString(name);
        if (value == null || value.isBlank()) throw new ToolInputException("'" + name + "' is required");
        return value;
    }

    public String optString(String name) {
        Object value = values.get(name);
        if (value == null) return null;
        if (!(value instanceof String s)) throw new ToolInputException("'" + name + "' must be a string");
        return s;
    }

    /** A workspace or repository slug, or a {UUID}: one URL segment, never {@code .} or {@code ..}. */
    public String slug(String name) {
        String value = string(name);
        if (!value.matches("\\{[0-9a-fA-F-]{36}\\}|[A-Za-z0-9_.-]+") || value.equals(".") || value.equals("..")) {
            throw new ToolInputException("'" + name
                    + "' must be a Bitbucket slug (letters, digits, '-', '_', '.') or a {UUID}, got '" + value + "'");
        }
        return value;
    }

    /** A path inside a repository: relative, no {@code .}/{@code ..} segments. */
    public String repoPath(String name, boolean required) {
        String value = required ? string(name) : optString(name);
        if (value == null) return "";
        String trimmed = value.strip();
        while (trimmed.startsWith("/")) trimmed = trimmed.substring(1);
        while (trimmed.endsWith("/")) trimmed = trimmed.substring(0, trimmed.length() - 1);
        for (String segment : trimmed.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new ToolInputException("'" + name + "' must not contain '.' or '..' segments");
            }
        }
        if (required && trimmed.isEmpty()) throw new ToolInputException("'" + name + "' is required");
        return trimmed;
    }

    public int optInt(String name, int fallback, int min, int max) {
        Object value = values.get(name);
        if (value == null) return fallback;
        long n;
        if (value instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue())) {
            n = num.longValue();
        } else if (value instanceof String s && s.strip().matches("-?\\d{1,10}")) {
            n = Long.parseLong(s.strip());
        } else {
            throw new ToolInputException("'" + name + "' must be an integer");
        }
        if (n < min || n > max) {
            throw new ToolInputException("'" + name + "' must be between " + min + " and " + max + ", got " + n);
        }
        return (int) n;
    }

    public int integer(String name, int min, int max) {
        if (values.get(name) == null) throw new ToolInputException("'" + name + "' is required");
        return optInt(name, 0, min, max);
    }

    public Boolean optBool(String name) {
        Object value = values.get(name);
        if (value == null) return null;
        if (value instanceof Boolean b) return b;
        if (value instanceof String s && (s.equals("true") || s.equals("false"))) return Boolean.valueOf(s);
        throw new ToolInputException("'" + name + "' must be true or false");
    }

    public List<String> optStrings(String name) {
        Object value = values.get(name);
        if (value == null) return null;
        if (!(value instanceof List<?> list))
            throw new ToolInputException("'" + name + "' must be an array of strings");
        List<String> out = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof String s) || s.isBlank()) {
                throw new ToolInputException("'" + name + "' must be an array of non-empty strings");
            }
            out.add(s);
        }
        return out;
    }

    public String oneOf(String name, String fallback, String... allowed) {
        String value = optString(name);
        if (value == null) return fallback;
        for (String a : allowed) {
            if (a.equalsIgnoreCase(value)) return a;
        }
        throw new ToolInputException(
                "'" + name + "' must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
    }
}
