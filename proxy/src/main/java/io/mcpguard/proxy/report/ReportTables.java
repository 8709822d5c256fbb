package io.mcpguard.proxy.report;

import io.mcpguard.proxy.report.ComplianceReport.KeyPeriod;
import io.mcpguard.proxy.report.ComplianceReport.Seen;
import io.mcpguard.proxy.report.ComplianceReport.Tally;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The report's sections as tables, whatever they are written as (Markdown, HTML, CSV). */
final class ReportTables {
    private ReportTables() {}

    /** One section: a heading, a sentence saying what it shows, a header row and rows of cells. */
    record Table(String title, String about, List<String> header, List<List<String>> rows) {
        Table {
            header = List.copyOf(header);
            rows = List.copyOf(rows);
        }
    }

    /**
     * @param currentKeyId the id of the key the proxy pseudonymises with now ({@code --key-file}), else null
     */
    static List<Table> of(ComplianceReport report, String currentKeyId) {
        return List.of(
                keyPeriods(report, currentKeyId), revisions(report), calls(report), reasons(report), events(report));
    }

    /** The calls table alone: what the CSV holds. */
    static Table calls(ComplianceReport report) {
        Set<String> classes = report.maskedClasses();
        List<String> header = new ArrayList<>(List.of(
                "period",
                "subject",
                "tool or method",
                "labels",
                "calls",
                "allowed",
                "denied",
                "step-up",
                "over quota",
                "other"));
        classes.forEach(c -> header.add("masked " + c));
        List<List<String>> rows = new ArrayList<>();
        report.calls()
                .forEach((period, bySubject) -> bySubject.forEach((subject, byTool) ->
                        byTool.forEach((tool, t) -> rows.add(callRow(period, subject, tool, t, classes)))));
        return new Table(
                "Calls by " + report.period().name().toLowerCase(java.util.Locale.ROOT) + ", subject, tool and labels",
                "Every message the proxy recorded: denied counts policy denials and missing scopes; other counts"
                        + " refusals with no decision (policy unavailable, over budget, invalid, unauthenticated) and"
                        + " answers the server failed. Labels are the call's audit.label-arguments (a workspace)."
                        + " Masked items are counts by data class, never values.",
                header,
                rows);
    }

    private static List<String> callRow(String period, String subject, String call, Tally t, Set<String> classes) {
        String[] toolAndLabels = call.split("\t", 2);
        List<String> row = new ArrayList<>(List.of(
                period,
                subject,
                toolAndLabels[0],
                toolAndLabels[1],
                n(t.total()),
                n(t.allowed),
                n(t.denied),
                n(t.stepUps),
                n(t.overQuota),
                n(t.other)));
        classes.forEach(c -> row.add(n(t.masked.getOrDefault(c, 0L))));
        return row;
    }

    private static Table keyPeriods(ComplianceReport report, String currentKeyId) {
        List<List<String>> rows = new ArrayList<>();
        report.keys().forEach((id, key) -> rows.add(keyRow(id, key, currentKeyId)));
        String about = rows.isEmpty()
                ? "No span in the window carries a key id: subject ids are recorded in clear, or by a proxy older"
                        + " than key ids."
                : "Subject ids are HMAC pseudonyms; each key made the pseudonyms of one key period. Whoever holds a"
                        + " period's key can link its pseudonyms to people; destroying the key (erasure) makes them"
                        + " unlinkable for good, and this report stays valid without it.";
        return new Table(
                "Pseudonymisation key periods covered",
                about,
                List.of("key id", "first seen", "last seen", "spans", "subjects", "key"),
                rows);
    }

    private static List<String> keyRow(String id, KeyPeriod key, String currentKeyId) {
        String status = currentKeyId == null
                ? "not checked (no --key-file)"
                : id.equals(currentKeyId)
                        ? "current key"
                        : "an earlier key: linkable only while someone keeps it; retire it to erase";
        return List.of(
                id,
                key.seen.first.toString(),
                key.seen.last.toString(),
                n(key.seen.count),
                n(key.subjects.size()),
                status);
    }

    private static Table revisions(ComplianceReport report) {
        List<List<String>> rows = new ArrayList<>();
        report.revisions().forEach((revision, seen) -> rows.add(seenRow(revision, seen)));
        return new Table(
                "Policy revisions in force",
                "The policy bundle revisions that decided messages in the window, with when each first and last"
                        + " decided.",
                List.of("revision", "first decision", "last decision", "decisions"),
                rows);
    }

    private static List<String> seenRow(String name, Seen seen) {
        return List.of(name, seen.first.toString(), seen.last.toString(), n(seen.count));
    }

    private static Table reasons(ComplianceReport report) {
        List<List<String>> rows = new ArrayList<>();
        report.reasons()
                .forEach((period, byReason) ->
                        sortedByCount(byReason).forEach(e -> rows.add(List.of(period, e.getKey(), n(e.getValue())))));
        return new Table(
                "Reasons for refusals",
                "The reasons the policy (or the proxy, before a decision) gave for every refused message.",
                List.of("period", "reason", "refusals"),
                rows);
    }

    private static Table events(ComplianceReport report) {
        List<List<String>> rows = new ArrayList<>();
        report.events()
                .forEach((period, byEvent) -> sortedByCount(byEvent).forEach(e -> {
                    String[] parts = e.getKey().split("\t", 2);
                    rows.add(List.of(period, parts[0], parts[1], n(e.getValue())));
                }));
        return new Table(
                "Security events",
                "Security events raised on the trail's spans (docs/audit.md), by subject.",
                List.of("period", "event", "subject", "count"),
                rows);
    }

    private static List<Map.Entry<String, Long>> sortedByCount(Map<String, Long> counts) {
        List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        return entries;
    }

    private static String n(long value) {
        return Long.toString(value);
    }
}
