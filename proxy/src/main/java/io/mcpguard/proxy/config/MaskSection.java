package io.mcpguard.proxy.config;

import io.mcpguard.proxy.config.ProxyConfig.*;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The {@code mask.*} keys: data classes' styles, internal domains, the hash key and the rules file. */
final class MaskSection {
    private MaskSection() {}

    static Mask parse(ConfigSource src) {
        List<String> domains = src.list("mask.internal-domains", List.of("internal"));
        for (String domain : domains) {
            src.require(
                    domain.matches(
                            "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*"),
                    "config key 'mask.internal-domains': expected DNS suffixes such as corp.example.com, got '" + domain
                            + "'");
        }
        Map<String, String> styles = new java.util.LinkedHashMap<>();
        for (String dataClass : Mask.STYLED_CLASSES) {
            String key = "mask.styles." + dataClass.replace('_', '-');
            String style = src.string(key, "redact").toLowerCase(java.util.Locale.ROOT);
            src.require(
                    List.of("redact", "partial", "hash").contains(style),
                    "config key '" + key + "': expected redact, partial or hash, got '" + style + "'");
            styles.put(dataClass, style);
        }
        String rules = src.string("mask.rules-file", "");
        Path rulesFile = rules.isEmpty() ? null : Path.of(rules);
        src.require(
                rulesFile == null || (Files.isRegularFile(rulesFile) && Files.isReadable(rulesFile)),
                "config key 'mask.rules-file': " + rules + " is not a readable file");
        return new Mask(hashKey(src), domains, styles, rulesFile);
    }

    /** The masking HMAC key from a file or an environment variable (at least 32 bytes); never in a message. */
    private static Secret hashKey(ConfigSource src) {
        return SecretKeys.load(src, "mask.hash-key", 32);
    }
}
