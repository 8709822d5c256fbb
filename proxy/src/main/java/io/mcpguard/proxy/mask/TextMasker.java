package io.mcpguard.proxy.mask;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Replaces the sensitive spans of a text as a {@link MaskRule} says and counts what it replaced. Replacement text
 * never contains a quote, a backslash or a control character, so masking the inside of a JSON string (or JSON
 * carried as text) keeps it valid. Thread-safe.
 */
public final class TextMasker {
    private static final String HMAC = "HmacSHA256";
    private static final HexFormat HEX = HexFormat.of();

    private final SensitiveDataScanner scanner;
    private final byte[] hashKey;
    private final ConcurrentMap<String, SecretKeySpec> tenantKeys = new ConcurrentHashMap<>();

    /**
     * @param hashKey the secret under which per-tenant hash keys are derived; at least 32 bytes
     */
    public TextMasker(SensitiveDataScanner scanner, byte[] hashKey) {
        if (hashKey.length < 32) {
            throw new IllegalArgumentException("the masking hash key needs at least 32 bytes");
        }
        this.scanner = scanner;
        this.hashKey = hashKey.clone();
    }

    /** The masked text (the same instance when nothing was masked); what was masked is added to {@code counts}. */
    public String mask(String text, MaskRule rule, MaskCounts counts) {
        if (rule.classes().isEmpty() || text.isEmpty()) {
            return text;
        }
        List<Finding> findings = scanner.scan(text);
        StringBuilder out = null;
        int copied = 0;
        for (Finding finding : findings) {
            if (!rule.classes().contains(finding.dataClass())) {
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 32);
            }
            out.append(text, copied, finding.start());
            replace(text, finding, rule, out);
            copied = finding.end();
            counts.add(finding);
        }
        if (out == null) {
            return text;
        }
        return out.append(text, copied, text.length()).toString();
    }

    /**
     * {@code text} masked when one finding of {@code classifier} covers all of it and the rule masks its class, else
     * null: for a JSON number, which is masked as a whole (it becomes a string) or not at all.
     */
    public String maskWhole(String text, String classifier, MaskRule rule, MaskCounts counts) {
        if (rule.classes().isEmpty() || text.isEmpty()) {
            return null;
        }
        for (Finding finding : scanner.scan(text)) {
            if (finding.start() == 0
                    && finding.end() == text.length()
                    && finding.classifier().equals(classifier)
                    && rule.classes().contains(finding.dataClass())) {
                StringBuilder out = new StringBuilder(32);
                replace(text, finding, rule, out);
                counts.add(finding);
                return out.toString();
            }
        }
        return null;
    }

    private void replace(String text, Finding finding, MaskRule rule, StringBuilder out) {
        switch (rule.styleOf(finding.dataClass())) {
            case REDACT -> out.append("[REDACTED:").append(finding.classifier()).append(']');
            case PARTIAL -> {
                int keep = finding.length() > 8 ? 4 : 0;
                out.append("*".repeat(finding.length() - keep))
                        .append(safe(text.substring(finding.end() - keep, finding.end())));
            }
            case HASH -> {
                String value = text.substring(finding.start(), finding.end());
                out.append("[HASH:")
                        .append(finding.classifier())
                        .append(':')
                        .append(hash(rule.tenant(), value))
                        .append(']');
            }
        }
    }

    /** The kept tail, minus anything that could end a JSON string or break a line. */
    private static String safe(String tail) {
        StringBuilder out = new StringBuilder(tail.length());
        for (int i = 0; i < tail.length(); i++) {
            char c = tail.charAt(i);
            out.append(c == '"' || c == '\\' || c < 0x20 ? '*' : c);
        }
        return out.toString();
    }

    private String hash(String tenant, String value) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(tenantKeys.computeIfAbsent(tenant == null ? "" : tenant, this::deriveTenantKey));
            byte[] digest = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
            return HEX.formatHex(digest, 0, 6);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is unavailable", e);
        }
    }

    /** One key per tenant, so tokens of one tenant cannot be matched against another's. */
    private SecretKeySpec deriveTenantKey(String tenant) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(hashKey, HMAC));
            byte[] key = mac.doFinal(("mcpguard-mask-tenant:" + tenant).getBytes(StandardCharsets.UTF_8));
            return new SecretKeySpec(key, HMAC);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is unavailable", e);
        }
    }
}
