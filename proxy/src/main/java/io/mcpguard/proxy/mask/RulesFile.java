package io.mcpguard.proxy.mask;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads masking rules from TOML in gitleaks' rule format, so a team's existing gitleaks rule set loads as it is:
 *
 * <pre>{@code
 * [[rules]]
 * id = "acme-deploy-token"          # the classifier name findings carry
 * description = "Acme deploy token"
 * regex = '''\bacme_dt_[a-z0-9]{32}\b'''   # RE2 syntax, as in gitleaks
 * keywords = ["acme_dt_"]           # the pattern runs only near one of these (case ignored)
 * entropy = 3.5                     # optional: the secret's bits per character must exceed this
 * secretGroup = 0                   # optional: the capture group that is the secret
 * class = "secret"                  # ours: secret (default), personal_data or internal_infrastructure
 * validator = "luhn"                # ours, optional: a named check, see CheckDigits
 * }</pre>
 *
 * <p>Of gitleaks' keys, {@code path}, {@code tags} and an allowlist's {@code paths} and {@code commits} have nothing
 * to match in an answer and are ignored (a rule with a path and no regex is skipped); ignoring them can only make
 * more text masked, never less. An allowlist's {@code regexes} (against {@code regexTarget}) and {@code stopwords}
 * apply. A key neither format knows is an error: a misspelt {@code keywords} would silently run a rule everywhere or
 * nowhere.
 *
 * <p>The project's own rules ({@value #DEFAULT_RESOURCE}) always load; a team's file adds to them, replaces one by
 * reusing its id, and turns ones off with {@code [extend] disabledRules = ["id", …]}, or all with {@code [extend]
 * useDefault = false}.
 */
public final class RulesFile {
    private static final Logger log = LoggerFactory.getLogger(RulesFile.class);

    static final String DEFAULT_RESOURCE = "/io/mcpguard/proxy/mask/default-rules.toml";
    private static final TomlMapper TOML = new TomlMapper();
    private static final java.util.regex.Pattern ID =
            java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Set<String> TOP_KEYS =
            Set.of("title", "description", "minVersion", "rules", "allowlist", "allowlists", "extend");
    private static final Set<String> RULE_KEYS = Set.of(
            "id",
            "description",
            "regex",
            "secretGroup",
            "entropy",
            "keywords",
            "path",
            "tags",
            "allowlist",
            "allowlists",
            "class",
            "validator");
    private static final Set<String> ALLOWLIST_KEYS =
            Set.of("description", "regexes", "regexTarget", "stopwords", "paths", "commits", "condition");
    private static final Set<String> EXTEND_KEYS = Set.of("useDefault", "disabledRules");

    private RulesFile() {}

    /** The project's rules alone: what a proxy without {@code mask.rules-file} uses. */
    public static PatternRules defaults() {
        return new PatternRules(List.copyOf(defaultRules().rules().values()));
    }

    /**
     * The project's rules with the team's file applied; {@code file} null means the project's alone.
     *
     * @throws RulesFileException naming the file, the rule and the key when the file cannot be used
     */
    public static PatternRules load(Path file) {
        if (file == null) {
            return defaults();
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new RulesFileException("masking rules file " + file + ": cannot read it ("
                    + e.getClass().getSimpleName() + ")");
        }
        return withDefaults(parse(file.toString(), bytes));
    }

    static PatternRules withDefaults(Parsed team) {
        Map<String, PatternRule> rules = new LinkedHashMap<>();
        if (team.useDefault()) {
            rules.putAll(defaultRules().rules());
            team.disabled().forEach(rules::remove);
        }
        rules.putAll(team.rules());
        return new PatternRules(List.copyOf(rules.values()));
    }

    private static Parsed defaultRules() {
        try (InputStream in = RulesFile.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                        "the masking rules " + DEFAULT_RESOURCE + " are missing from the build");
            }
            return parse(DEFAULT_RESOURCE, in.readAllBytes());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DEFAULT_RESOURCE, e);
        }
    }

    /** A parsed file: its rules by id, the default rules it disables, and whether the defaults apply at all. */
    record Parsed(Map<String, PatternRule> rules, List<String> disabled, boolean useDefault) {}

    static Parsed parse(String source, byte[] toml) {
        JsonNode root;
        try {
            root = TOML.readTree(toml);
        } catch (IOException e) {
            // Jackson's message quotes the offending TOML token, which may be a pattern but not a secret.
            throw new RulesFileException(
                    "masking rules file " + source + ": not valid TOML: " + firstLine(e.getMessage()));
        }
        String where = "masking rules file " + source;
        if (root == null || !root.isObject()) {
            throw new RulesFileException(where + ": expected [[rules]] tables");
        }
        unknownKeys(root, TOP_KEYS, where);
        List<Allow> global = allowlists(root, where);
        boolean useDefault = true;
        List<String> disabled = new ArrayList<>();
        JsonNode extend = root.get("extend");
        if (extend != null) {
            unknownKeys(extend, EXTEND_KEYS, where + ": [extend]");
            if (extend.has("useDefault")) {
                useDefault = bool(extend.get("useDefault"), where + ": [extend] key 'useDefault'");
            }
            disabled.addAll(strings(extend.get("disabledRules"), where + ": [extend] key 'disabledRules'"));
        }
        Map<String, PatternRule> rules = new LinkedHashMap<>();
        JsonNode list = root.get("rules");
        if (list != null && !list.isArray()) {
            throw new RulesFileException(where + ": key 'rules' must be an array of tables ([[rules]])");
        }
        int index = 0;
        for (JsonNode node : list == null ? List.<JsonNode>of() : list) {
            index++;
            PatternRule rule = rule(node, index, global, where);
            if (rule == null) {
                continue;
            }
            if (rules.putIfAbsent(rule.id(), rule) != null) {
                throw new RulesFileException(where + ": rule '" + rule.id() + "' is defined twice");
            }
        }
        return new Parsed(rules, disabled, useDefault);
    }

    private static PatternRule rule(JsonNode node, int index, List<Allow> global, String file) {
        if (!node.isObject()) {
            throw new RulesFileException(file + ": rule #" + index + " is not a table");
        }
        JsonNode idNode = node.get("id");
        if (idNode == null
                || !idNode.isTextual()
                || !ID.matcher(idNode.asText()).matches()) {
            throw new RulesFileException(file + ": rule #" + index
                    + ": key 'id' must be letters, digits, '.', '_' or '-' (at most 64), e.g. acme-deploy-token");
        }
        String id = idNode.asText();
        String where = file + ": rule '" + id + "'";
        unknownKeys(node, RULE_KEYS, where);
        JsonNode regex = node.get("regex");
        if (regex == null) {
            if (node.has("path")) {
                log.atWarn()
                        .addKeyValue("rule", id)
                        .log("masking rule has a path and no regex: nothing in an answer to match, skipped");
                return null;
            }
            throw new RulesFileException(where + ": key 'regex' is missing");
        }
        Pattern pattern = pattern(text(regex, where + ": key 'regex'"), where + ": key 'regex'");
        List<String> keywords = new ArrayList<>();
        for (String keyword : strings(node.get("keywords"), where + ": key 'keywords'")) {
            String lower = keyword.toLowerCase(Locale.ROOT);
            if (lower.length() < 2 || !lower.chars().allMatch(c -> c >= 32 && c < 127)) {
                throw new RulesFileException(
                        where + ": key 'keywords': '" + keyword + "' must be at least two printable ASCII characters");
            }
            if (!keywords.contains(lower)) {
                keywords.add(lower);
            }
        }
        if (keywords.isEmpty()) {
            log.atWarn()
                    .addKeyValue("rule", id)
                    .log("masking rule has no keywords: its pattern runs over every answer in full, which is slow");
        }
        int group = 0;
        if (node.has("secretGroup")) {
            JsonNode g = node.get("secretGroup");
            if (!g.canConvertToInt() || !g.isIntegralNumber() || g.asInt() < 0) {
                throw new RulesFileException(where + ": key 'secretGroup' must be a whole number of 0 or more");
            }
            group = g.asInt();
            if (group > pattern.groupCount()) {
                throw new RulesFileException(where + ": key 'secretGroup' is " + group + " but 'regex' has "
                        + pattern.groupCount() + " groups");
            }
        }
        double entropy = 0;
        if (node.has("entropy")) {
            JsonNode e = node.get("entropy");
            if (!e.isNumber() || e.asDouble() < 0 || e.asDouble() > 8) {
                throw new RulesFileException(where + ": key 'entropy' must be a number of bits per character, 0 to 8");
            }
            entropy = e.asDouble();
        }
        String policyClass = node.has("class") ? text(node.get("class"), where + ": key 'class'") : "secret";
        DataClass dataClass = MaskRules.findingClass(policyClass);
        if (dataClass == null) {
            throw new RulesFileException(where + ": key 'class' must be one of " + MaskRules.FINDING_CLASSES + ", got '"
                    + policyClass + "'");
        }
        CheckDigits check = null;
        if (node.has("validator")) {
            String name = text(node.get("validator"), where + ": key 'validator'");
            check = CheckDigits.named(name);
            if (check == null) {
                throw new RulesFileException(
                        where + ": key 'validator': no check named '" + name + "'; known: " + CheckDigits.names());
            }
        }
        List<Allow> allows = new ArrayList<>(global);
        allows.addAll(allowlists(node, where));
        List<Pattern> allowPatterns = new ArrayList<>();
        List<String> stopwords = new ArrayList<>();
        PatternRule.AllowTarget target = PatternRule.AllowTarget.SECRET;
        for (Allow allow : allows) {
            // One target per rule: gitleaks files set it per allowlist, but in practice one per rule.
            if (!allow.patterns().isEmpty()) {
                target = allow.target();
            }
            allowPatterns.addAll(allow.patterns());
            stopwords.addAll(allow.stopwords());
        }
        return new PatternRule(
                id, dataClass, keywords, pattern, group, entropy, check, allowPatterns, target, stopwords);
    }

    private record Allow(List<Pattern> patterns, PatternRule.AllowTarget target, List<String> stopwords) {}

    /** The allowlists of a rule or of the file: gitleaks' older {@code [allowlist]} and newer {@code [[allowlists]]}. */
    private static List<Allow> allowlists(JsonNode node, String where) {
        List<JsonNode> tables = new ArrayList<>();
        if (node.has("allowlist")) {
            tables.add(node.get("allowlist"));
        }
        if (node.has("allowlists")) {
            if (!node.get("allowlists").isArray()) {
                throw new RulesFileException(where + ": key 'allowlists' must be an array of tables");
            }
            node.get("allowlists").forEach(tables::add);
        }
        List<Allow> out = new ArrayList<>();
        for (JsonNode table : tables) {
            String at = where + ": allowlist";
            if (!table.isObject()) {
                throw new RulesFileException(at + " is not a table");
            }
            unknownKeys(table, ALLOWLIST_KEYS, at);
            boolean and = table.has("condition")
                    && text(table.get("condition"), at + " key 'condition'").equalsIgnoreCase("AND");
            if (and && (table.has("paths") || table.has("commits"))) {
                continue; // it needs a path or commit to match too, which an answer never has: it never allows
            }
            List<Pattern> patterns = new ArrayList<>();
            for (String regex : strings(table.get("regexes"), at + " key 'regexes'")) {
                patterns.add(pattern(regex, at + " key 'regexes'"));
            }
            PatternRule.AllowTarget target = PatternRule.AllowTarget.SECRET;
            if (table.has("regexTarget")) {
                String name = text(table.get("regexTarget"), at + " key 'regexTarget'");
                try {
                    target = PatternRule.AllowTarget.valueOf(name.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new RulesFileException(
                            at + " key 'regexTarget' must be secret, match or line, got '" + name + "'");
                }
            }
            List<String> stopwords = strings(table.get("stopwords"), at + " key 'stopwords'").stream()
                    .map(s -> s.toLowerCase(Locale.ROOT))
                    .toList();
            out.add(new Allow(patterns, target, stopwords));
        }
        return out;
    }

    private static Pattern pattern(String regex, String where) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new RulesFileException(where + ": not an RE2 pattern: " + e.getDescription());
        }
    }

    private static void unknownKeys(JsonNode node, Set<String> known, String where) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new RulesFileException(where + ": unknown key '" + name + "' (known: "
                        + known.stream().sorted().toList() + ")");
            }
        }
    }

    private static String text(JsonNode node, String where) {
        if (!node.isTextual()) {
            throw new RulesFileException(where + " must be a string");
        }
        return node.asText();
    }

    private static boolean bool(JsonNode node, String where) {
        if (!node.isBoolean()) {
            throw new RulesFileException(where + " must be true or false");
        }
        return node.asBoolean();
    }

    private static List<String> strings(JsonNode node, String where) {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new RulesFileException(where + " must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : node) {
            out.add(text(item, where + " item"));
        }
        return out;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
