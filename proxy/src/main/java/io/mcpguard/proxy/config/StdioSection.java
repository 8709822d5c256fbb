package io.mcpguard.proxy.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code upstream.stdio.*} keys. Secrets reach the child through its environment only: an argument or an
 * explicit {@code env.set} value that looks like a credential is refused, naming the key but never the value.
 */
final class StdioSection {
    private StdioSection() {}

    /** Names that say "credential": an explicit value under one of them belongs in {@code env.pass} instead. */
    private static final Pattern SECRET_NAME =
            Pattern.compile("(?i).*(token|secret|passw(or)?d|passwd|api[_-]?key|private[_-]?key|credential|auth).*");

    /** An option that takes a credential, with its value glued on ({@code --token=abc}, {@code -p=abc}). */
    private static final Pattern SECRET_OPTION = Pattern.compile(
            "(?i)-{1,2}[a-z0-9_-]*(token|secret|passw(or)?d|passwd|api[_-]?key|private[_-]?key|credential|auth)[a-z0-9_-]*=.+");

    /** An option that takes a credential as the next argument ({@code --password abc}). */
    private static final Pattern SECRET_FLAG = Pattern.compile(
            "(?i)-{1,2}[a-z0-9_-]*(token|secret|passw(or)?d|passwd|api[_-]?key|private[_-]?key|credential)[a-z0-9_-]*");

    /** Values that are credentials whatever they are called: vendor token prefixes, JWTs, keys, URL userinfo. */
    private static final Pattern SECRET_VALUE =
            Pattern.compile("(?i)(\\b(ghp|gho|ghu|ghs|ghr|github_pat|glpat|xox[abprs]"
                    + "|sk|sk_live|rk_live|npm|pypi|ATBB|ATATT)[-_][A-Za-z0-9_-]{8,}"
                    + "|\\bAKIA[0-9A-Z]{16}\\b|\\beyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\."
                    + "|-----BEGIN [A-Z ]*PRIVATE KEY-----|[a-z][a-z0-9+.-]*://[^/\\s:@]+:[^/\\s@]+@)");

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    static StdioServer parse(ConfigSource src, int maxRewriteBytes) {
        List<String> command = src.list("upstream.stdio.command", List.of());
        Map<String, String> set = src.stringMap("upstream.stdio.env.set");
        List<String> pass = src.list("upstream.stdio.env.pass", List.of());
        String mode = src.string("upstream.stdio.mode", "shared");
        String dir = src.string("upstream.stdio.working-dir", "");
        Duration second = Duration.ofSeconds(1);
        Duration ms1 = Duration.ofMillis(1);
        int maxProcesses = src.integer("upstream.stdio.max-processes", 16, 1, 4096);
        Duration idle = src.duration("upstream.stdio.idle-timeout", Duration.ofMinutes(10), second, Duration.ofDays(1));
        Duration startup =
                src.duration("upstream.stdio.startup-timeout", Duration.ofSeconds(30), ms1, Duration.ofMinutes(10));
        Duration backoff =
                src.duration("upstream.stdio.restart-backoff", Duration.ofSeconds(1), ms1, Duration.ofMinutes(10));
        Duration backoffMax =
                src.duration("upstream.stdio.restart-backoff-max", Duration.ofMinutes(1), ms1, Duration.ofHours(1));
        Duration grace =
                src.duration("upstream.stdio.shutdown-grace", Duration.ofSeconds(5), ms1, Duration.ofMinutes(5));
        int maxLine = src.bytes("upstream.stdio.max-line-bytes", maxRewriteBytes, 1024, 256 * 1024 * 1024);
        int maxPending = src.integer("upstream.stdio.max-pending", 256, 1, 1_000_000);
        if (command.isEmpty()) {
            src.require(
                    set.isEmpty() && pass.isEmpty() && dir.isEmpty(),
                    "config key 'upstream.stdio.command': the stdio section needs a command (the program and its "
                            + "arguments as a list)");
            return null;
        }
        src.require(
                List.of("shared", "per-subject").contains(mode),
                "config key 'upstream.stdio.mode': expected shared or per-subject, got '" + mode + "'");
        for (int i = 0; i < command.size(); i++) {
            String argument = command.get(i);
            boolean secret = SECRET_OPTION.matcher(argument).matches()
                    || SECRET_VALUE.matcher(argument).find()
                    || (i > 0 && SECRET_FLAG.matcher(command.get(i - 1)).matches());
            // The value is never echoed: the message must not leak what it refuses.
            src.require(
                    !secret,
                    "config key 'upstream.stdio.command': argument " + i + " looks like a secret; a command line is"
                            + " readable by every local user, pass secrets through upstream.stdio.env.pass");
        }
        Map<String, Secret> environment = new LinkedHashMap<>();
        for (String name : pass) {
            if (!ENV_NAME.matcher(name).matches()) {
                src.require(false, "config key 'upstream.stdio.env.pass': '" + name + "' is no variable name");
                continue;
            }
            String value = src.envValue(name);
            src.require(
                    value != null,
                    "config key 'upstream.stdio.env.pass': the proxy's environment has no variable " + name);
            if (value != null) {
                environment.put(name, new Secret(value));
            }
        }
        for (Map.Entry<String, String> entry : set.entrySet()) {
            String name = entry.getKey();
            String key = "upstream.stdio.env.set." + name;
            src.require(ENV_NAME.matcher(name).matches(), "config key '" + key + "': not a variable name");
            boolean secret = SECRET_NAME.matcher(name).matches()
                    || SECRET_VALUE.matcher(entry.getValue()).find();
            src.require(
                    !secret,
                    "config key '" + key + "': looks like a secret; a config file is no place for one, list " + name
                            + " in upstream.stdio.env.pass and give it to the proxy's environment");
            src.require(
                    !environment.containsKey(name),
                    "config key '" + key + "': " + name + " is also in upstream.stdio.env.pass");
            environment.put(name, new Secret(entry.getValue()));
        }
        Path workingDir = null;
        if (!dir.isEmpty()) {
            workingDir = Path.of(dir);
            src.require(
                    Files.isDirectory(workingDir), "config key 'upstream.stdio.working-dir': not a directory: " + dir);
        }
        src.require(
                backoff.compareTo(backoffMax) <= 0,
                "config key 'upstream.stdio.restart-backoff' must not exceed 'upstream.stdio.restart-backoff-max'");
        return new StdioServer(
                command,
                workingDir,
                environment,
                mode.toLowerCase(Locale.ROOT).equals("per-subject"),
                maxProcesses,
                idle,
                startup,
                backoff,
                backoffMax,
                grace,
                maxLine,
                maxPending);
    }
}
