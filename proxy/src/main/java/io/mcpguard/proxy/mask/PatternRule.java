package io.mcpguard.proxy.mask;

import com.google.re2j.Pattern;
import java.util.List;

/**
 * One rule of a rules file: a token format a team (or this project) wants masked, found by an RE2 pattern in the
 * neighbourhood of one of its keywords.
 *
 * @param id the rule's name, also the classifier name findings carry ({@code [REDACTED:id]})
 * @param dataClass the engine class of its findings (from the rule's policy class, through {@link MaskRules})
 * @param keywords lower-case ASCII literals, at least one of which must occur (any case) for the pattern to run; an
 *     empty list runs the pattern over the whole text
 * @param secretGroup the capture group that is the secret; 0 takes the first group that matched, or the whole match
 * @param entropy the Shannon entropy (bits per character) the secret must exceed; 0 for none
 * @param check a named check the secret must pass, or null
 * @param allowPatterns secrets (or matches or lines, see {@code allowTarget}) matching one of these are not findings
 * @param stopwords secrets containing one of these (lower case) are not findings
 */
record PatternRule(
        String id,
        DataClass dataClass,
        List<String> keywords,
        Pattern pattern,
        int secretGroup,
        double entropy,
        CheckDigits check,
        List<Pattern> allowPatterns,
        AllowTarget allowTarget,
        List<String> stopwords) {

    /** What an allow pattern is matched against (gitleaks' {@code regexTarget}). */
    enum AllowTarget {
        SECRET,
        MATCH,
        LINE
    }

    PatternRule {
        keywords = List.copyOf(keywords);
        allowPatterns = List.copyOf(allowPatterns);
        stopwords = List.copyOf(stopwords);
    }
}
