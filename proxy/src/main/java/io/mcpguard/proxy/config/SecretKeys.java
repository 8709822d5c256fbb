package io.mcpguard.proxy.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one way a secret enters the config: from a file ({@code <name>-file}, e.g. a mounted Kubernetes Secret) or
 * from an environment variable named by {@code <name>-env} — never a config value itself, so it cannot end up in a
 * config file in Git or in an error message. Errors name the key, never the value.
 */
final class SecretKeys {
    private SecretKeys() {}

    /**
     * The secret configured under {@code name}, or null when neither key is set.
     *
     * @param minBytes the least length in UTF-8 bytes (0 for any non-empty value); a key shorter than a hash's
     *     block of entropy could be brute-forced over a directory of user names
     */
    static Secret load(ConfigSource src, String name, int minBytes) {
        return load(src, name, minBytes, false);
    }

    /**
     * The secret configured under {@code name}, or null when neither key is set.
     *
     * @param lines whether the secret may hold line breaks (a list of keys, one a line)
     */
    static Secret load(ConfigSource src, String name, int minBytes, boolean lines) {
        String fileKey = name + "-file";
        String envKey = name + "-env";
        String file = src.string(fileKey, "");
        String envName = src.string(envKey, "");
        src.require(
                file.isEmpty() || envName.isEmpty(),
                "config keys '" + fileKey + "' and '" + envKey + "' exclude each other");
        String key;
        String value;
        if (!file.isEmpty()) {
            key = fileKey;
            try {
                value = Files.readString(Path.of(file)).strip();
            } catch (IOException e) {
                src.require(false, "config key '" + fileKey + "': cannot read " + file);
                return null;
            }
        } else if (!envName.isEmpty()) {
            key = envKey;
            value = src.envValue(envName);
            src.require(
                    value != null && !value.isBlank(),
                    "config key '" + envKey + "': environment variable " + envName + " is not set");
            if (value == null) {
                return null;
            }
            value = value.strip();
        } else {
            return null;
        }
        boolean valid = true;
        if (value.isEmpty()) {
            src.require(false, "config key '" + key + "': the secret is empty");
            valid = false;
        } else if (value.chars().anyMatch(c -> (c < 0x20 || c == 0x7f) && !(lines && (c == '\n' || c == '\r')))) {
            src.require(false, "config key '" + key + "': the secret contains control characters");
            valid = false;
        } else if (value.getBytes(StandardCharsets.UTF_8).length < minBytes) {
            src.require(false, "config key '" + key + "': the secret needs at least " + minBytes + " bytes");
            valid = false;
        }
        return valid ? new Secret(value) : null;
    }
}
