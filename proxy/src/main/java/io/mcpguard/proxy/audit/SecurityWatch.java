package io.mcpguard.proxy.audit;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.mask.MaskCounts;
import io.opentelemetry.api.trace.Span;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail's detectors of security events: bursts of refusals per subject, of authentication failures per
 * address, spikes of masked values per subject, sessions presented by the wrong subject, missing scopes. Each event
 * goes to the span, a WARN line and a counter ({@link SecurityEvents}); the INFO lines name subjects as the trail
 * does, pseudonymised. Runs on event loops; the counters are thread-safe.
 */
final class SecurityWatch {
    private static final String SUBJECT_ID_KEY = AuditAttributes.SUBJECT_ID.getKey();
    private static final Logger SECURITY_LOG = LoggerFactory.getLogger("io.mcpguard.proxy.security");

    private final AuditTrail trail;
    private final BurstCounter denialBursts;
    private final BurstCounter authFailureBursts;
    private final BurstCounter maskingSpikes;

    SecurityWatch(AuditTrail trail, ProxyConfig.Audit config) {
        this.trail = trail;
        this.denialBursts = new BurstCounter(config.denialBurstThreshold(), config.denialBurstWindow());
        this.authFailureBursts = new BurstCounter(config.authFailureBurstThreshold(), config.authFailureBurstWindow());
        this.maskingSpikes = new BurstCounter(config.maskingSpikeThreshold(), config.maskingSpikeWindow());
    }

    /**
     * Counts a failed authentication from {@code clientAddress} and raises {@code
     * security.authentication_failure_burst} on {@code span} when it makes a burst.
     */
    void authenticationFailed(Span span, String clientAddress) {
        int failures = authFailureBursts.count(String.valueOf(clientAddress), System.nanoTime());
        if (failures > 0) {
            // Many failures from one address: credential guessing, or a client with a broken or revoked credential.
            SecurityEvents.raise(
                    trail,
                    span,
                    SecurityEvents.AUTHENTICATION_FAILURE_BURST,
                    "repeated authentication failures from one address",
                    AuditTrail.fields(
                            "client.address",
                            clientAddress,
                            "failures",
                            failures,
                            "window_s",
                            authFailureBursts.windowSeconds()));
        }
    }

    /**
     * A session refused: another subject's is {@code security.session_hijack_attempt} (a span event, a WARN and a
     * metric); an unknown or expired one an INFO line. Session ids appear as fingerprints only.
     */
    void sessionRefused(Span span, ExchangeLog log, String subjectRecorded) {
        ExchangeLog.SessionRefusal refusal = log.sessionRefusal();
        if (refusal.foreign()) {
            SecurityEvents.raise(
                    trail,
                    span,
                    SecurityEvents.SESSION_HIJACK_ATTEMPT,
                    "session presented by a subject that did not create it; refused",
                    AuditTrail.fields(
                            SUBJECT_ID_KEY,
                            subjectRecorded,
                            "mcp.policy.auth.method",
                            log.subject() == null
                                    ? null
                                    : String.valueOf(log.subject().authMethod()),
                            "session.id.sha256",
                            refusal.sessionFingerprint(),
                            "client.address",
                            log.head().clientAddress()));
        } else {
            SECURITY_LOG
                    .atInfo()
                    .addKeyValue("event.name", "security.session_unknown")
                    .addKeyValue(SUBJECT_ID_KEY, subjectRecorded)
                    .addKeyValue("session.id.sha256", refusal.sessionFingerprint())
                    .log("session id not bound to this subject; refused");
        }
    }

    /** The INFO line of a request refused for a missing scope: the subject as recorded, the scopes it lacked. */
    void insufficientScope(ExchangeLog log, String subjectRecorded, MessageNames names) {
        Set<String> needed = log.scopesNeeded() == null ? Set.of() : log.scopesNeeded();
        var line = SECURITY_LOG
                .atInfo()
                .addKeyValue("event.name", "security.insufficient_scope")
                .addKeyValue(SUBJECT_ID_KEY, subjectRecorded);
        if (names != null) {
            line = line.addKeyValue("mcp.method", names.method()).addKeyValue("gen_ai.tool.name", names.tool());
        }
        line.addKeyValue("scopes.needed", needed).log("request refused: insufficient scope");
    }

    /** Reports, once per window, a subject refused again and again: a span event, a WARN line and a metric. */
    void denialBurst(Span span, String subjectRecorded) {
        int denials = denialBursts.count(subjectRecorded, System.nanoTime());
        if (denials > 0) {
            SecurityEvents.raise(
                    trail,
                    span,
                    SecurityEvents.DENIAL_BURST,
                    "burst of refusals for one subject",
                    AuditTrail.fields(
                            SUBJECT_ID_KEY,
                            subjectRecorded,
                            "mcp.policy.denials",
                            denials,
                            "mcp.policy.window_s",
                            denialBursts.windowSeconds()));
        }
    }

    /** Counts what was masked for one subject and raises {@code security.masking_spike} when it makes a spike. */
    void maskingSpike(Span span, String subjectRecorded, MaskCounts counts) {
        int masked = maskingSpikes.count(subjectRecorded, System.nanoTime(), counts.total());
        if (masked > 0) {
            SecurityEvents.raise(
                    trail,
                    span,
                    SecurityEvents.MASKING_SPIKE,
                    "many masked values in the answers to one subject",
                    AuditTrail.fields(
                            SUBJECT_ID_KEY,
                            subjectRecorded,
                            "mcp.policy.masked.total",
                            masked,
                            "mcp.policy.window_s",
                            maskingSpikes.windowSeconds()));
        }
    }
}
