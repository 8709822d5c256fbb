package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules file: gitleaks' format loads as it is (its keys, allowlists, secret groups, entropy), our keys (class,
 * validator) apply, the keyword prefilter limits where patterns run, and every error names the rule and the key.
 */
class RulesFileTest {

    /** Written the way gitleaks rule sets are: title, tags, path, allowlists of both generations, [extend]. */
    private static final String GITLEAKS_STYLE = """
            title = "acme rules"

            [extend]
            useDefault = true
            disabledRules = ["groq-api-key"]

            [allowlist]
            description = "global"
            stopwords = ["example"]

            [[rules]]
            id = "acme-deploy-token"
            description = "Acme deploy token"
            regex = '''(?i)\\b(acme_dt_[a-z0-9]{32})(?:['"\\s]|$)'''
            secretGroup = 1
            entropy = 3.0
            keywords = ["acme_dt_"]
            tags = ["acme", "token"]
            [[rules.allowlists]]
            regexes = ['''^acme_dt_0{32}$''']
            [[rules.allowlists]]
            condition = "AND"
            paths = ['''test/''']
            regexes = ['''.*''']

            [[rules]]
            id = "acme-employee-card"
            regex = '''\\bACME-(\\d{16})\\b'''
            keywords = ["acme-"]
            class = "personal_data"
            validator = "luhn"

            [[rules]]
            id = "pkcs12-file"
            path = '''(?i)\\.p12$'''
            """;

    @Test
    void a_gitleaks_style_file_loads_and_its_rules_find_what_they_describe() {
        PatternRules rules = RulesFile.withDefaults(RulesFile.parse("acme.toml", bytes(GITLEAKS_STYLE)));
        String token = "acme_dt_q8m2v7x4k1p9z3r6t0w5y2n8b4c7d1f3";

        List<Finding> found = scan(rules, "deploy with ACME_DT token: " + token + "\n");

        assertThat(found).singleElement().satisfies(f -> {
            assertThat(f.classifier()).isEqualTo("acme-deploy-token");
            assertThat(f.dataClass()).isEqualTo(DataClass.SECRETS);
        });
        assertThat(rules.rules())
                .extracting(PatternRule::id)
                .contains("acme-deploy-token", "acme-employee-card", "openai-api-key")
                .doesNotContain("groq-api-key", "pkcs12-file"); // disabled default; path-only rule skipped
        // The secret group, not the whole match: the quote after the token stays.
        assertThat(scan(rules, "t='" + token + "'"))
                .singleElement()
                .satisfies(f -> assertThat(f.end() - f.start()).isEqualTo(token.length()));
    }

    @Test
    void entropy_allowlists_stopwords_and_validators_remove_findings() {
        PatternRules rules = RulesFile.withDefaults(RulesFile.parse("acme.toml", bytes(GITLEAKS_STYLE)));

        assertThat(scan(rules, "acme_dt_00000000000000000000000000000000 "))
                .as("allowlist regex")
                .isEmpty();
        assertThat(scan(rules, "acme_dt_aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb "))
                .as("entropy")
                .isEmpty();
        assertThat(scan(rules, "acme_dt_example0k1p9z3r6t0w5y2n8b4c7d1 "))
                .as("global stopword")
                .isEmpty();
        assertThat(scan(rules, "badge ACME-4111111111111111 issued"))
                .singleElement()
                .satisfies(f -> {
                    assertThat(f.classifier()).isEqualTo("acme-employee-card");
                    assertThat(f.dataClass()).isEqualTo(DataClass.PERSONAL_DATA);
                });
        assertThat(scan(rules, "badge ACME-4111111111111112 issued")).as("luhn").isEmpty();
    }

    @Test
    void a_pattern_runs_only_near_one_of_its_keywords_in_any_case() {
        PatternRules rules = RulesFile.withDefaults(RulesFile.parse("t.toml", bytes("""
                        [extend]
                        useDefault = false
                        [[rules]]
                        id = "order-ref"
                        regex = '''\\bREF-[0-9]{6}\\b'''
                        keywords = ["ordered"]
                        """)));

        assertThat(scan(rules, "REF-123456 shipped")).as("no keyword").isEmpty();
        assertThat(scan(rules, "ORDERED today: REF-123456")).hasSize(1);
        assertThat(scan(rules, "ordered\n" + "x".repeat(PatternRules.AFTER + 10) + " REF-123456"))
                .as("keyword on another line, out of reach")
                .isEmpty();
        assertThat(rules.rules()).singleElement().extracting(PatternRule::id).isEqualTo("order-ref");
    }

    @Test
    void the_team_file_replaces_a_default_rule_by_id() {
        PatternRules rules = RulesFile.withDefaults(RulesFile.parse("t.toml", bytes("""
                        [[rules]]
                        id = "groq-api-key"
                        regex = '''\\bgsk_live_[a-z]{8}\\b'''
                        keywords = ["gsk_live_"]
                        """)));

        assertThat(scan(rules, "k=gsk_live_abcdefgh"))
                .singleElement()
                .extracting(Finding::classifier)
                .isEqualTo("groq-api-key");
        assertThat(rules.rules().stream().filter(r -> r.id().equals("groq-api-key")))
                .hasSize(1);
    }

    @Test
    void every_error_names_the_file_the_rule_and_the_key() {
        assertError("[[rules]]\nid = \"a\"\nregex = '''(?=x)y'''\n", "rule 'a'", "key 'regex'", "not an RE2 pattern");
        assertError("[[rules]]\nid = \"b\"\nregex = 'x'\nkeyword = [\"x\"]\n", "rule 'b'", "unknown key 'keyword'");
        assertError("[[rules]]\nid = \"c\"\nregex = 'x'\nclass = \"source_code\"\n", "rule 'c'", "key 'class'");
        assertError(
                "[[rules]]\nid = \"d\"\nregex = 'x'\nvalidator = \"crc32\"\n", "rule 'd'", "key 'validator'", "luhn");
        assertError("[[rules]]\nid = \"e\"\nregex = '(x)'\nsecretGroup = 2\n", "rule 'e'", "key 'secretGroup'");
        assertError("[[rules]]\nid = \"f\"\nregex = 'x'\nentropy = \"high\"\n", "rule 'f'", "key 'entropy'");
        assertError("[[rules]]\nid = \"g\"\nregex = 'x'\nkeywords = [\"x\"]\n", "rule 'g'", "key 'keywords'");
        assertError("[[rules]]\nid = \"h\"\n", "rule 'h'", "key 'regex' is missing");
        assertError("[[rules]]\nid = \"i j\"\nregex = 'x'\n", "rule #1", "key 'id'");
        assertError("[[rules]]\nid = \"k\"\nregex = 'x'\n[[rules]]\nid = \"k\"\nregex = 'y'\n", "rule 'k'", "twice");
        assertError(
                "[[rules]]\nid = \"l\"\nregex = 'x'\n[rules.allowlist]\nregexTarget = \"file\"\n",
                "rule 'l'",
                "regexTarget");
        assertError("[rules\nid=", "not valid TOML");
        assertError("[extend]\npath = \"other.toml\"\n", "[extend]", "unknown key 'path'");
    }

    @Test
    void a_value_of_the_wrong_type_or_range_is_an_error_naming_the_rule_and_the_key() {
        assertError("rules = 1\n", "key 'rules' must be an array of tables");
        assertError("rules = [1]\n", "rule #1 is not a table");
        assertError("[[rules]]\nregex = 'x'\n", "rule #1", "key 'id'");
        assertError("[[rules]]\nid = 5\nregex = 'x'\n", "rule #1", "key 'id'");
        assertError("[[rules]]\nid = \"m\"\nregex = 1\n", "rule 'm'", "key 'regex' must be a string");
        assertError(
                "[[rules]]\nid = \"n\"\nregex = 'x'\nkeywords = \"nx\"\n",
                "rule 'n'",
                "key 'keywords' must be an array of strings");
        assertError(
                "[[rules]]\nid = \"o\"\nregex = 'x'\nkeywords = [1]\n",
                "rule 'o'",
                "key 'keywords' item must be a string");
        assertError("[[rules]]\nid = \"p\"\nregex = 'x'\nkeywords = [\"caf\u00e9\"]\n", "rule 'p'", "printable ASCII");
        assertError("[[rules]]\nid = \"q\"\nregex = 'x'\nkeywords = [\"a\\tb\"]\n", "rule 'q'", "printable ASCII");
        for (String group : List.of("-1", "1.5", "\"1\"")) {
            assertError(
                    "[[rules]]\nid = \"r\"\nregex = '(x)'\nsecretGroup = " + group + "\n",
                    "rule 'r'",
                    "key 'secretGroup' must be a whole number");
        }
        for (String entropy : List.of("-0.5", "8.5")) {
            assertError(
                    "[[rules]]\nid = \"s\"\nregex = 'x'\nentropy = " + entropy + "\n",
                    "rule 's'",
                    "key 'entropy' must be a number of bits per character, 0 to 8");
        }
        assertError("[extend]\nuseDefault = \"no\"\n", "[extend] key 'useDefault' must be true or false");
        assertError("allowlists = 1\n", "key 'allowlists' must be an array of tables");
        assertError("[[rules]]\nid = \"t\"\nregex = 'x'\nallowlist = 1\n", "rule 't'", "allowlist is not a table");
        assertError(
                "[[rules]]\nid = \"u\"\nregex = 'x'\n[rules.allowlist]\ncondition = 1\n",
                "rule 'u'",
                "key 'condition' must be a string");
        assertError(
                "[[rules]]\nid = \"v\"\nregex = 'x'\n[rules.allowlist]\nregex = ['y']\n",
                "rule 'v'",
                "unknown key 'regex'");
        assertError(
                "[[rules]]\nid = \"w\"\nregex = 'x'\n[rules.allowlist]\nregexes = ['(?<=a)b']\n",
                "rule 'w'",
                "key 'regexes'",
                "not an RE2 pattern");
    }

    @Test
    void disabled_rules_alone_keep_the_other_defaults_and_use_default_false_alone_leaves_none() {
        PatternRules disabling = RulesFile.withDefaults(
                RulesFile.parse("t.toml", bytes("[extend]\ndisabledRules = [\"groq-api-key\"]\n")));
        PatternRules nothing =
                RulesFile.withDefaults(RulesFile.parse("t.toml", bytes("[extend]\nuseDefault = false\n")));

        assertThat(disabling.rules())
                .hasSize(RulesFile.defaults().rules().size() - 1)
                .extracting(PatternRule::id)
                .doesNotContain("groq-api-key");
        assertThat(nothing.rules()).isEmpty();
        assertThat(scan(nothing, "ssn 536-90-4399")).isEmpty();
    }

    @Test
    void a_keyword_given_twice_in_any_case_is_one_keyword() {
        PatternRules rules = alone("""
                [[rules]]
                id = "dup"
                regex = '''(?i)dup-[0-9]{4}'''
                keywords = ["dup-", "DUP-", "Dup-"]
                """);

        assertThat(rules.keywords()).containsExactly("dup-");
        assertThat(spans(rules, "DUP-1234")).containsExactly("dup:DUP-1234");
    }

    @Test
    void an_and_allowlist_with_paths_or_commits_never_allows_and_one_without_them_does() {
        PatternRules rules = alone("""
                [[rules]]
                id = "tok"
                regex = '''tok-[a-z0-9]{6}'''
                keywords = ["tok-"]
                [[rules.allowlists]]
                condition = "AND"
                commits = ["a94a8fe5"]
                regexes = ['''tok-aaaaaa''']
                [[rules.allowlists]]
                condition = "and"
                regexes = ['''tok-bbbbbb''']
                [[rules.allowlists]]
                condition = "OR"
                paths = ['''test/''']
                regexes = ['''tok-cccccc''']
                """);

        assertThat(scan(rules, "tok-aaaaaa"))
                .as("AND with commits: never allows")
                .hasSize(1);
        assertThat(scan(rules, "tok-bbbbbb")).as("AND with regexes alone").isEmpty();
        assertThat(scan(rules, "tok-cccccc")).as("OR: the regex alone allows").isEmpty();
        assertThat(scan(rules, "tok-dddddd")).hasSize(1);
    }

    @Test
    void an_allowlist_can_test_the_whole_match_or_the_line_instead_of_the_secret() {
        // No keywords: both rules run over the whole text, so their window holds several lines.
        PatternRules rules = alone("""
                [[rules]]
                id = "ticket"
                regex = '''ticket=(T[0-9]{4})'''
                [[rules.allowlists]]
                regexTarget = "match"
                regexes = ['''^ticket=T0''']
                [[rules]]
                id = "pin"
                regex = '''pin ([0-9]{4})'''
                [[rules.allowlists]]
                regexTarget = "LINE"
                regexes = ['''(?i)example''']
                """);

        assertThat(spans(rules, "ticket=T0123 ticket=T9876\npin 1234 (Example)\npin 5678"))
                .containsExactlyInAnyOrder("ticket:T9876", "pin:5678");
        assertThat(spans(rules, "pin 5678\npin 4321 (example)"))
                .as("the allowing word on the last line, no newline after it")
                .containsExactly("pin:5678");
    }

    @Test
    void the_secret_is_the_configured_group_else_the_first_non_empty_group_that_matched() {
        PatternRules rules = alone("""
                [[rules]]
                id = "either"
                regex = '''(?:a-([a-z]{4}))|(?:b-([a-z]{4}))'''
                secretGroup = 1
                keywords = ["a-", "b-"]
                [[rules]]
                id = "empty-first"
                regex = '''()k-([0-9]{4})'''
                keywords = ["k-"]
                [[rules.allowlists]]
                stopwords = ["0000"]
                """);

        assertThat(spans(rules, "a-wxyz")).containsExactly("either:wxyz");
        assertThat(spans(rules, "b-wxyz")).as("group 1 did not take part").containsExactly("either:wxyz");
        assertThat(spans(rules, "k-1234")).as("group 1 matched empty").containsExactly("empty-first:1234");
        assertThat(spans(rules, "k-0000")).as("stopword").isEmpty();
    }

    @Test
    void a_pattern_that_matches_empty_text_finds_only_non_empty_secrets() {
        PatternRules rules = alone("[[rules]]\nid = \"xs\"\nregex = '''x*'''\n");

        assertThat(spans(rules, "ab xx c")).containsExactly("xs:xx");
        assertThat(spans(rules, "")).isEmpty();
        assertThat(spans(PatternRules.none(), "xx")).isEmpty();
    }

    @Test
    void load_reads_the_file_and_an_unreadable_one_is_an_error(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rules.toml");
        Files.writeString(file, "[[rules]]\nid = \"x1\"\nregex = '''\\bx1-[0-9]{4}\\b'''\nkeywords = [\"x1-\"]\n");

        assertThat(scan(RulesFile.load(file), "id x1-1234"))
                .extracting(Finding::classifier)
                .containsExactly("x1");
        assertThat(RulesFile.load(null).rules())
                .hasSameSizeAs(RulesFile.defaults().rules());
        assertThatThrownBy(() -> RulesFile.load(dir.resolve("missing.toml")))
                .isInstanceOf(RulesFileException.class)
                .hasMessageContaining("missing.toml")
                .hasMessageContaining("cannot read");
    }

    @Test
    void the_check_digit_algorithms_accept_published_examples_and_reject_one_digit_off() {
        String[][] cases = {
            {"nl-bsn", "111222333", "111222334"},
            {"es-dni", "12345678Z", "12345678A"},
            {"es-dni", "X1234567L", "X1234567M"},
            {"it-fiscal-code", "RSSMRA85T10A562S", "RSSMRA85T10A562T"},
            {"pl-pesel", "44051401359", "44051401358"},
            {"fi-hetu", "131052-308T", "131052-308U"},
            {"se-personnummer", "811228-9874", "811228-9873"},
            {"fr-nir", "2 55 08 14 168 025 38", "2 55 08 14 168 025 39"},
            {"be-national-number", "85.07.30-033.28", "85.07.30-033.29"},
            {"pt-nif", "123456789", "123456788"},
            {"de-tax-id", "86095742719", "86095742718"},
            {"ie-ppsn", "1234567T", "1234567A"},
            {"in-aadhaar", "2341 2341 2346", "2341 2341 2345"},
            {"au-tfn", "123 456 782", "123 456 789"},
            {"sg-nric", "S1234567D", "S1234567A"},
            {"uk-nhs", "943 476 5919", "943 476 5918"},
            {"us-aba-routing", "021000021", "021000022"},
            {"luhn", "046 454 286", "046 454 287"},
            {"us-ssn", "536-90-4399", "666-90-4399"},
            {"us-itin", "912-70-1234", "912-40-1234"},
            {"uk-nino", "AB123456C", "QQ123456C"},
            {"iban", "DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 01"},
            {"basic-auth", "YWRtaW46czNjcjN0", "YWRtaW5zM2NyM3Q="},
        };
        for (String[] c : cases) {
            CheckDigits check = CheckDigits.named(c[0]);
            assertThat(check).as(c[0]).isNotNull();
            assertThat(check.test(c[1])).as(c[0] + " " + c[1]).isTrue();
            assertThat(check.test(c[2])).as(c[0] + " " + c[2]).isFalse();
        }
    }

    private static void assertError(String toml, String... parts) {
        assertThatThrownBy(() -> RulesFile.parse("team.toml", bytes(toml)))
                .isInstanceOf(RulesFileException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).contains("team.toml");
                    for (String part : parts) {
                        assertThat(e.getMessage()).contains(part);
                    }
                });
    }

    /** The rules of {@code toml} without the project's. */
    private static PatternRules alone(String toml) {
        return RulesFile.withDefaults(RulesFile.parse("t.toml", bytes("[extend]\nuseDefault = false\n" + toml)));
    }

    private static List<String> spans(PatternRules rules, String text) {
        return scan(rules, text).stream()
                .map(f -> f.classifier() + ":" + text.substring(f.start(), f.end()))
                .toList();
    }

    private static List<Finding> scan(PatternRules rules, String text) {
        List<Finding> out = new ArrayList<>();
        rules.scan(text, text.toCharArray(), out);
        return out;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
