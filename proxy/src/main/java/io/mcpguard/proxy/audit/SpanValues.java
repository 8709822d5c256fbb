package io.mcpguard.proxy.audit;

import static io.mcpguard.proxy.audit.AuditAttributes.*;

import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.policy.Subject;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import java.util.List;

/**
 * How values reach an audit span, shared by the spans of messages ({@link ExchangeAudit}) and of requests ({@link
 * RequestAudit}): what is kept of the client's headers, the subject's attributes, the masked counts. A null value is
 * left out, and so is an empty list.
 */
final class SpanValues {
    /** MCP 2026-07-28 is stateless; {@code mcp.session.id} must not be set from it on (semantic conventions). */
    private static final String FIRST_STATELESS_VERSION = "2026-07-28";

    /** The authentication methods (RFC 8176) the shipped step-up policy accepts as a second factor. */
    private static final java.util.Set<String> MFA_METHODS = java.util.Set.of("mfa", "hwk", "otp", "swk");

    private static final AttributeKey<Long> MASKED_TOTAL = AttributeKey.longKey("mcp.policy.masked.total");

    private SpanValues() {}

    /** A protocol version as MCP spells them (a date): a header is the client's to fill, so nothing else is kept. */
    static boolean isKnownVersion(String version) {
        return version.length() == 10 && version.matches("\\d{4}-\\d{2}-\\d{2}");
    }

    /** {@code mcp.session.id} is for sessions of versions before the stateless 2026-07-28 (semantic conventions). */
    static boolean sessionIdApplies(String version) {
        return version == null || !isKnownVersion(version) || version.compareTo(FIRST_STATELESS_VERSION) < 0;
    }

    /** A session id as MCP allows them (visible ASCII), of a sane length; anything else is not recorded. */
    static boolean isPlainToken(String value) {
        if (value.isEmpty() || value.length() > 256) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** The {@code mcp.policy.subject.*} and {@code mcp.policy.auth.*} attributes of whoever sent a request. */
    static void describeSubject(Span span, Subject subject, String recordedId, SubjectPseudonyms pseudonyms) {
        setIfPresent(span, SUBJECT_ID, recordedId);
        span.setAttribute(SUBJECT_PSEUDONYMISED, pseudonyms.pseudonymising());
        setIfPresent(span, SUBJECT_KEY_ID, pseudonyms.keyId());
        span.setAttribute(SUBJECT_AUTHENTICATED, subject.authenticated());
        setIfAny(span, SUBJECT_ROLES, subject.roles());
        setIfPresent(span, SUBJECT_TENANT, subject.tenant());
        setIfPresent(span, AUTH_METHOD, subject.authMethod());
        setIfAny(span, AUTH_AMR, subject.amr());
        span.setAttribute(
                AUTH_MFA, subject.amr() != null && subject.amr().stream().anyMatch(MFA_METHODS::contains));
    }

    /** {@code mcp.policy.masked.total} and {@code mcp.policy.masked.<class>}: counts, never values. */
    static void recordMasked(Span span, MaskCounts counts) {
        span.setAttribute(MASKED_TOTAL, (long) counts.total());
        counts.byClass()
                .forEach((dataClass, n) ->
                        span.setAttribute(AttributeKey.longKey("mcp.policy.masked." + dataClass.wireName()), (long) n));
    }

    static void setIfPresent(SpanBuilder builder, AttributeKey<String> key, String value) {
        if (value != null) {
            builder.setAttribute(key, value);
        }
    }

    static void setIfPresent(Span span, AttributeKey<String> key, String value) {
        if (value != null) {
            span.setAttribute(key, value);
        }
    }

    /*
     * An empty list is left out rather than recorded as []: it says nothing, and the spool's deserialiser
     * (opentelemetry-disk-buffering 1.53.0-alpha, AttributesMapper.addArray) cannot read an empty array back.
     */
    static void setIfAny(SpanBuilder builder, AttributeKey<List<String>> key, List<String> values) {
        if (values != null && !values.isEmpty()) {
            builder.setAttribute(key, values);
        }
    }

    static void setIfAny(Span span, AttributeKey<List<String>> key, List<String> values) {
        if (values != null && !values.isEmpty()) {
            span.setAttribute(key, values);
        }
    }
}
