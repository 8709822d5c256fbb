package io.mcpguard.proxy.report;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The compliance report's figures over a window of the audit trail: per period, per subject (as the trail records
 * it: a pseudonym when it pseudonymises) and per tool (or method), the calls allowed, denied, held for a step-up,
 * refused over quota or otherwise; the reasons of the refusals; masked items by data class; security events; the
 * policy revisions in force; and the pseudonymisation key periods the window covers.
 *
 * <p>Fed span by span ({@link #add}); nothing but counts is kept, so a year of trail fits in memory.
 */
final class ComplianceReport {
    /** The subject of spans recorded before authentication. */
    static final String UNAUTHENTICATED = "(before authentication)";

    private final Instant from;
    private final Instant to;
    private final Period period;
    private long read;
    private long inWindow;

    /** period → subject → tool and labels ({@link #callKey}) → tally, each level sorted so the output is stable. */
    private final Map<String, Map<String, Map<String, Tally>>> calls = new TreeMap<>();
    /** period → refusal reason → count. */
    private final Map<String, Map<String, Long>> reasons = new TreeMap<>();
    /** period → "event name\tsubject" → count. */
    private final Map<String, Map<String, Long>> events = new TreeMap<>();

    private final Map<String, Seen> revisions = new TreeMap<>();
    private final Map<String, KeyPeriod> keys = new TreeMap<>();

    ComplianceReport(Instant from, Instant to, Period period) {
        this.from = from;
        this.to = to;
        this.period = period;
    }

    /** Counts of one period × subject × tool. */
    static final class Tally {
        long allowed;
        long denied;
        long stepUps;
        long overQuota;
        long other;
        final Map<String, Long> masked = new TreeMap<>();

        long total() {
            return allowed + denied + stepUps + overQuota + other;
        }

        long maskedTotal() {
            return masked.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** When something was first and last seen, and how often. */
    static final class Seen {
        Instant first;
        Instant last;
        long count;

        void at(Instant when) {
            first = first == null || when.isBefore(first) ? when : first;
            last = last == null || when.isAfter(last) ? when : last;
            count++;
        }
    }

    /** A pseudonymisation key's period in the window: when its pseudonyms appear, and for how many subjects. */
    static final class KeyPeriod {
        final Seen seen = new Seen();
        final Set<String> subjects = new TreeSet<>();
    }

    void add(TrailSpan span) {
        read++;
        if (span.start().isBefore(from) || !span.start().isBefore(to)) {
            return;
        }
        inWindow++;
        String when = period.label(span.start());
        String subject = span.subject() == null ? UNAUTHENTICATED : span.subject();
        String tool = span.tool() != null
                ? span.tool()
                : span.method() != null ? span.method() : "(request: " + span.outcome() + ")";
        Tally tally = calls.computeIfAbsent(when, k -> new TreeMap<>())
                .computeIfAbsent(subject, k -> new TreeMap<>())
                .computeIfAbsent(callKey(tool, span.labels()), k -> new Tally());
        switch (span.outcome()) {
            case "allow" -> tally.allowed++;
            case "deny", "insufficient_scope" -> tally.denied++;
            case "step_up" -> tally.stepUps++;
            case "over_quota" -> tally.overQuota++;
            default -> tally.other++;
        }
        span.masked().forEach((dataClass, n) -> tally.masked.merge(dataClass, n, Long::sum));
        if (!span.outcome().equals("allow")) {
            Map<String, Long> byReason = reasons.computeIfAbsent(when, k -> new TreeMap<>());
            for (String reason : span.reasons().isEmpty() ? List.of("(" + span.outcome() + ")") : span.reasons()) {
                byReason.merge(reason, 1L, Long::sum);
            }
        }
        for (String event : span.events()) {
            events.computeIfAbsent(when, k -> new TreeMap<>()).merge(event + "\t" + subject, 1L, Long::sum);
        }
        if (span.revision() != null) {
            revisions.computeIfAbsent(span.revision(), k -> new Seen()).at(span.start());
        }
        if (span.keyId() != null) {
            KeyPeriod key = keys.computeIfAbsent(span.keyId(), k -> new KeyPeriod());
            key.seen.at(span.start());
            key.subjects.add(subject);
        }
    }

    /** The tool (or method) and the call's labels, tab-separated: {@code get_repository\tworkspace=acme}. */
    static String callKey(String tool, Map<String, String> labels) {
        StringBuilder key = new StringBuilder(tool).append('\t');
        labels.forEach((name, value) -> key.append(key.charAt(key.length() - 1) == '\t' ? "" : " ")
                .append(name)
                .append('=')
                .append(value));
        return key.toString();
    }

    Instant from() {
        return from;
    }

    Instant to() {
        return to;
    }

    Period period() {
        return period;
    }

    long spansRead() {
        return read;
    }

    long spansInWindow() {
        return inWindow;
    }

    Map<String, Map<String, Map<String, Tally>>> calls() {
        return calls;
    }

    Map<String, Map<String, Long>> reasons() {
        return reasons;
    }

    Map<String, Map<String, Long>> events() {
        return events;
    }

    Map<String, Seen> revisions() {
        return revisions;
    }

    Map<String, KeyPeriod> keys() {
        return keys;
    }

    /** Every data class masked anywhere in the window, for the columns. */
    Set<String> maskedClasses() {
        Set<String> classes = new TreeSet<>();
        calls.values()
                .forEach(bySubject -> bySubject
                        .values()
                        .forEach(byTool -> byTool.values().forEach(t -> classes.addAll(t.masked.keySet()))));
        return classes;
    }
}
