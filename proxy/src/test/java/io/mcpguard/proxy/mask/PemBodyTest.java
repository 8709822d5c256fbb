package io.mcpguard.proxy.mask;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Private key bodies without their BEGIN line, through the whole scanner, with the span each finding covers: how a
 * run ends (a full last line right before END, a short last line, a diff's removed END line, the end of the text)
 * and which armour lines make it public.
 */
class PemBodyTest {
    private static final String L1 = "pU3KGCUwux1tEyze1iN7LtkeP3IfyxlxF0SU1kk8nVw0YL4xIB5p/tqg7ui5mX9c";
    private static final String L2 = "fCmZ/a/lkyU81lSvTfrXFCegrrP+6SMvivIhH57kkcWxC+y1Vjv8Hm+TQn7LyP4p";
    private static final String L3 = "VeXNjkbcjtS3wnZNKlpNdncG+F2GkAJK1r2jQBvpyMvMyTX2zR9hImrhUziuGjQA";
    private static final String L4 = "TTO6DSRqwEyBsbryPjv57vX3nytJNK+H9VILablLDZguhbtVtnKocmN6zXRm/LYO";
    private static final String SHORT = "Do/xhGOw5LK6KXA0dPBkrGj3APU=";
    /** PKCS#8, version 0 then the algorithm: "MII" .. "IBAD". */
    private static final String PKCS8 = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VeXNjkbcjtS3";
    /** PKCS#1, version 0 then the modulus: "MII" .. "IBAA". */
    private static final String PKCS1 = "MIIEpAIBAAKCAQEAwnZNKlpNdncG+F2GkAJK1r2jQBvpyMvMyTX2zR9hImrhUziu";
    /** Encrypted PKCS#8 (PBES2). */
    private static final String PBES2 = "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQITTO6DSRqwEyBsbry";

    private final SensitiveDataScanner scanner = SensitiveDataScanner.withDefaults(List.of());

    @Test
    void full_length_lines_right_before_a_private_end_line_are_a_key_with_that_line() {
        String end = "-----END PRIVATE KEY-----";
        String text = "cut:\n" + L1 + "\n" + L2 + "\n" + end + "\nnext";

        assertThat(found(text)).containsExactly("pem-private-key:" + L1 + "\n" + L2 + "\n" + end);
    }

    @Test
    void full_length_lines_right_before_a_certificate_end_line_are_public() {
        assertThat(found(L1 + "\n" + L2 + "\n-----END CERTIFICATE-----\n")).isEmpty();
        assertThat(found(L1 + "\n" + L2 + "\n" + SHORT + "\n-----END PUBLIC KEY-----"))
                .isEmpty();
    }

    @Test
    void a_diff_adding_full_length_lines_and_the_end_line_is_a_key() {
        String text = "+" + L1 + "\n+" + L2 + "\n+-----END OPENSSH PRIVATE KEY-----";

        assertThat(found(text)).containsExactly(key(text));
    }

    @Test
    void a_diff_removing_a_key_is_found_through_its_removed_end_line() {
        // A removed line keeps its '-' before the armour's five: six dashes.
        String text = "@@ -1,4 +0,0 @@\n-" + L1 + "\n-" + L2 + "\n-" + SHORT + "\n------END RSA PRIVATE KEY-----";

        assertThat(found(text))
                .containsExactly(
                        "pem-private-key:" + L1 + "\n-" + L2 + "\n-" + SHORT + "\n------END RSA PRIVATE KEY-----");
    }

    @Test
    void the_end_line_after_the_short_last_line_may_be_indented_with_a_tab() {
        String text = "\t" + L1 + "\n\t" + L2 + "\n\t" + SHORT + "\n\t-----END EC PRIVATE KEY-----\n";

        assertThat(found(text))
                .containsExactly(
                        "pem-private-key:" + L1 + "\n\t" + L2 + "\n\t" + SHORT + "\n\t-----END EC PRIVATE KEY-----");
    }

    @Test
    void a_run_ends_at_its_short_last_line_when_no_end_line_follows() {
        assertThat(found(L1 + "\n" + L2 + "\n" + SHORT + "\nok")).containsExactly(key(L1 + "\n" + L2 + "\n" + SHORT));
        assertThat(found(L1 + "\n" + L2 + "\n" + SHORT + "\n-----BEGIN CERTIFICATE-----\nMIIC"))
                .as("a BEGIN line after it, not an END line")
                .containsExactly(key(L1 + "\n" + L2 + "\n" + SHORT));
        assertThat(found(L1 + "\n" + L2 + "\n-----BEGIN CERTIFICATE-----\nMIIC"))
                .as("a BEGIN line right after full-length lines")
                .containsExactly(key(L1 + "\n" + L2));
    }

    @Test
    void an_armour_line_without_its_closing_dashes_is_not_an_armour() {
        // The body after a broken BEGIN line is still found; a complete BEGIN line would leave it to the block.
        assertThat(found("-----BEGIN RSA PRIVATE KEY\n" + L1 + "\n" + L2 + "\n" + SHORT))
                .containsExactly(key(L1 + "\n" + L2 + "\n" + SHORT));
        assertThat(found("-----BEGIN CERTIFICATE\n-----\n" + L1 + "\n" + L2 + "\n" + SHORT))
                .as("the closing dashes on another line")
                .containsExactly(key(L1 + "\n" + L2 + "\n" + SHORT));
    }

    @Test
    void one_line_is_a_key_when_it_starts_as_a_private_key_encoding_does() {
        assertThat(found("key: " + PKCS8)).containsExactly(key(PKCS8));
        assertThat(found("> " + PKCS1)).containsExactly(key(PKCS1));
        assertThat(found("'" + PBES2 + "'")).containsExactly(key(PBES2));
        assertThat(found("+" + PKCS8)).as("a diff's added line").containsExactly(key("+" + PKCS8));
        assertThat(found("MIIEpQIBAgKCAQEA" + L1.substring(16)))
                .as("version 2: no key")
                .isEmpty();
        assertThat(found(L1)).as("one line of anything else").isEmpty();
    }

    @Test
    void a_key_line_after_a_body_line_of_another_length_starts_its_own_run() {
        String other = L2.substring(0, 60);

        assertThat(found(other + "\n+" + PKCS8)).containsExactly(key("+" + PKCS8));
        assertThat(found(other + "x" + "\n" + PKCS1)).containsExactly(key(PKCS1));
        assertThat(found(other + "\n+" + L1))
                .as("a diff's added line of no key")
                .isEmpty();
    }

    @Test
    void body_lines_are_60_to_80_characters_long() {
        String pool = L1 + L2 + L3 + L4;
        for (int length : new int[] {60, 80}) {
            String text = pool.substring(0, length) + "\n" + pool.substring(length, 2 * length) + "\n" + SHORT;
            assertThat(found(text)).as("%d", length).containsExactly(key(text));
        }
        for (int length : new int[] {59, 81}) {
            String text = pool.substring(0, length) + "\n" + pool.substring(length, 2 * length) + "\n" + SHORT;
            assertThat(found(text)).as("%d", length).isEmpty();
        }
    }

    @Test
    void padding_may_end_a_full_length_line() {
        String padded = L2.substring(0, 62) + "==";
        String text = L1 + "\n" + padded + "\n-----END PRIVATE KEY-----";

        assertThat(found(text)).containsExactly(key(text));
    }

    @Test
    void a_blank_line_ends_a_run_before_its_end_line_and_blank_lines_at_either_end_of_the_text_do_not_matter() {
        assertThat(found(L1 + "\n" + L2 + "\n\n-----END PRIVATE KEY-----"))
                .as("the END line after a blank line is not the run's")
                .containsExactly(key(L1 + "\n" + L2));
        assertThat(found("\n" + L1 + "\n" + L2 + "\n" + SHORT + "\n  "))
                .containsExactly(key(L1 + "\n" + L2 + "\n" + SHORT));
    }

    @Test
    void a_diff_adding_a_key_with_its_short_last_line_is_found_through_its_added_end_line() {
        String text = "+" + L1 + "\n+" + L2 + "\n+" + SHORT + "\n+-----END PRIVATE KEY-----";

        assertThat(found(text)).containsExactly(key(text));
    }

    @Test
    void mixed_case_hex_is_a_digest_not_a_key_body() {
        String hex = "a3F9c2E1b4D7f6A0".repeat(4);

        assertThat(found(hex + "\n" + hex + "\n" + hex.substring(0, 20))).isEmpty();
        String lower = L1.toLowerCase(Locale.ROOT);
        assertThat(found(lower + "\n" + lower + "\n" + SHORT.toLowerCase(Locale.ROOT)))
                .as("one case only: words, not base64 of random bytes")
                .isEmpty();
        String upper = L1.toUpperCase(Locale.ROOT);
        assertThat(found(upper + "\n" + upper + "\n" + SHORT.toUpperCase(Locale.ROOT)))
                .isEmpty();
    }

    private static String key(String span) {
        return "pem-private-key:" + span;
    }

    private List<String> found(String text) {
        return scanner.scan(text).stream()
                .map(f -> f.classifier() + ":" + text.substring(f.start(), f.end()))
                .toList();
    }
}
