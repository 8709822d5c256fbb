package io.mcpguard.proxy.config;

import io.mcpguard.proxy.config.ProxyConfig.*;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The {@code policy.*} keys (which engine decides) and the decision path asked of OPA. */
final class PolicySection {
    private PolicySection() {}

    static Policy parse(ConfigSource src, Opa opa) {
        String engineText = src.string("policy.engine", "rest");
        Policy.Engine engine = switch (engineText) {
            case "rest" -> Policy.Engine.REST;
            case "wasm" -> Policy.Engine.WASM;
            default -> {
                src.require(false, "config key 'policy.engine': expected rest or wasm, got '" + engineText + "'");
                yield Policy.Engine.REST;
            }
        };
        String bundleText = src.string("policy.wasm.bundle", "");
        Path bundle = bundleText.isEmpty() ? null : Path.of(bundleText);
        src.require(
                engine != Policy.Engine.WASM || bundle != null,
                "config key 'policy.wasm.bundle': required with policy.engine: wasm (a bundle built with"
                        + " opa build -t wasm -e " + opa.decisionPath() + " -b policies/)");
        src.require(
                engine != Policy.Engine.WASM || bundle == null || Files.exists(bundle),
                "config key 'policy.wasm.bundle': no such file or directory '" + bundleText + "'");
        int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
        int instances = src.integer("policy.wasm.instances", 0, 0, 256); // 0: one per core
        return new Policy(
                engine,
                bundle,
                src.duration(
                        "policy.wasm.reload-interval",
                        Duration.ofSeconds(5),
                        Duration.ofMillis(100),
                        Duration.ofHours(1)),
                instances == 0 ? cores : instances,
                src.integer("policy.wasm.max-pending-decisions", 1024, 0, 1_000_000));
    }

    /** A rule path such as {@code mcp/authz/decision}: slash-separated Rego identifiers, no leading slash. */
    static String decisionPath(ConfigSource src) {
        String path = src.string("opa.decision-path", "mcp/authz/decision");
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        src.require(
                trimmed.matches("[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*"),
                "config key 'opa.decision-path': expected a rule path such as mcp/authz/decision, got '" + path + "'");
        return trimmed;
    }

    /** {@code policy.record.*}: off unless a file is named. */
    static Recording recording(ConfigSource src) {
        String file = src.string("policy.record.file", "");
        String arguments = src.string("policy.record.arguments", "masked");
        src.require(
                arguments.equals("masked") || arguments.equals("hashed"),
                "config key 'policy.record.arguments': expected masked or hashed, got '" + arguments + "'");
        int maxBytes = src.bytes("policy.record.max-bytes", 64 * 1024 * 1024, 1024, Integer.MAX_VALUE);
        Duration maxAge =
                src.duration("policy.record.max-age", Duration.ofDays(30), Duration.ofHours(1), Duration.ofDays(3650));
        return new Recording(file.isEmpty() ? null : Path.of(file), arguments, maxBytes, maxAge);
    }

    /** {@code policy.shadow.*}: off unless a candidate decision path is named; REST only (the candidate is in OPA). */
    static Shadow shadow(ConfigSource src, Policy policy) {
        String path = src.string("policy.shadow.decision-path", "");
        src.require(
                path.isEmpty() || path.matches("[A-Za-z0-9_]+(/[A-Za-z0-9_]+)*"),
                "config key 'policy.shadow.decision-path': expected a path such as mcp/authz_candidate/decision, got '"
                        + path + "'");
        src.require(
                path.isEmpty() || policy.engine() == Policy.Engine.REST,
                "config key 'policy.shadow.decision-path' needs policy.engine: rest (the candidate is asked of OPA)");
        int sample = src.integer("policy.shadow.sample-percent", 100, 0, 100);
        int concurrent = src.integer("policy.shadow.max-concurrent", 8, 1, 1024);
        return new Shadow(path.isEmpty() ? null : path, sample, concurrent);
    }
}
