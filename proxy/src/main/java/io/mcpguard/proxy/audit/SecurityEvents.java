package io.mcpguard.proxy.audit;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Raises a security event for alerting, in three places with one stable name: an event on the span that triggered
 * it, a WARN log line with {@code event.name} (logged even when the audit trail is off), and the {@code
 * mcp.security.events} counter. The fields must be safe to show: counts, pseudonyms, addresses, never a value from a
 * message or a credential.
 */
final class SecurityEvents {
    static final String DENIAL_BURST = "security.denial_burst";
    static final String AUTHENTICATION_FAILURE_BURST = "security.authentication_failure_burst";
    static final String MASKING_SPIKE = "security.masking_spike";
    static final String SESSION_HIJACK_ATTEMPT = "security.session_hijack_attempt";
    static final String ANSWER_UNMATCHED = "security.answer_unmatched";
    static final java.util.List<String> NAMES = java.util.List.of(
            DENIAL_BURST, AUTHENTICATION_FAILURE_BURST, MASKING_SPIKE, SESSION_HIJACK_ATTEMPT, ANSWER_UNMATCHED);

    private static final Logger log = LoggerFactory.getLogger("io.mcpguard.proxy.security");

    private SecurityEvents() {}

    /** @param fields the event's attributes, in order; String, Long/Integer and Boolean values */
    static void raise(AuditTrail trail, Span span, String name, String message, Map<String, Object> fields) {
        AttributesBuilder attributes = Attributes.builder();
        LoggingEventBuilder line = log.atWarn().addKeyValue("event.name", name);
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            Object value = field.getValue();
            if (value == null) {
                continue;
            }
            line = line.addKeyValue(field.getKey(), value);
            if (value instanceof Integer || value instanceof Long) {
                attributes.put(AttributeKey.longKey(field.getKey()), ((Number) value).longValue());
            } else if (value instanceof Boolean flag) {
                attributes.put(AttributeKey.booleanKey(field.getKey()), flag);
            } else {
                attributes.put(AttributeKey.stringKey(field.getKey()), value.toString());
            }
        }
        if (span.getSpanContext().isValid()) {
            line = line.addKeyValue("trace_id", span.getSpanContext().getTraceId());
        }
        line.log(message);
        span.addEvent(name, attributes.build());
        trail.metrics().securityEvent(name);
    }
}
