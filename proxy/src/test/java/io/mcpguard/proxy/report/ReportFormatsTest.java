package io.mcpguard.proxy.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The report's pieces on their own: which spans of an OTLP/JSON document count, how periods are named, and that a
 * value planted in the trail (a reason, a subject) cannot break out of its cell in any format.
 */
class ReportFormatsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void only_the_proxys_server_spans_count_whatever_the_kind_is_written_as() throws Exception {
        String document = """
                {"resourceSpans":[{"scopeSpans":[{"spans":[
                  {"kind":2,"startTimeUnixNano":"1796601600000000000","attributes":[
                    {"key":"mcp.policy.outcome","value":{"stringValue":"deny"}},
                    {"key":"mcp.policy.subject.id","value":{"stringValue":"p-1"}},
                    {"key":"mcp.policy.subject.key_id","value":{"stringValue":"k-1"}},
                    {"key":"gen_ai.tool.name","value":{"stringValue":"get_repository"}},
                    {"key":"mcp.policy.label.workspace","value":{"stringValue":"acme"}},
                    {"key":"mcp.policy.reasons","value":{"arrayValue":{"values":[{"stringValue":"no"}]}}},
                    {"key":"mcp.policy.masked.total","value":{"intValue":"3"}},
                    {"key":"mcp.policy.masked.secrets","value":{"intValue":"3"}}],
                   "events":[{"name":"security.denial_burst"},{"name":"exception"}]},
                  {"kind":"SPAN_KIND_SERVER","startTimeUnixNano":"1796601600000000000","attributes":[
                    {"key":"mcp.policy.outcome","value":{"stringValue":"unauthenticated"}},
                    {"key":"mcp.policy.reason","value":{"stringValue":"no credentials"}}]},
                  {"kind":3,"attributes":[{"key":"mcp.policy.outcome","value":{"stringValue":"allow"}}]},
                  {"kind":2,"attributes":[{"key":"http.request.method","value":{"stringValue":"GET"}}]}
                ]}]}]}
                """;
        List<TrailSpan> spans = new ArrayList<>();

        OtlpTrail.read(JSON.readTree(document), spans::add);

        assertThat(spans).hasSize(2);
        TrailSpan denied = spans.get(0);
        assertThat(denied.start()).isEqualTo(Instant.parse("2026-12-07T00:00:00Z"));
        assertThat(denied.subject()).isEqualTo("p-1");
        assertThat(denied.keyId()).isEqualTo("k-1");
        assertThat(denied.tool()).isEqualTo("get_repository");
        assertThat(denied.labels()).isEqualTo(Map.of("workspace", "acme"));
        assertThat(denied.reasons()).containsExactly("no");
        assertThat(denied.masked()).isEqualTo(Map.of("secrets", 3L));
        assertThat(denied.events()).containsExactly("security.denial_burst");
        assertThat(spans.get(1).reasons()).as("a request span's own reason").containsExactly("no credentials");
        assertThat(spans.get(1).subject()).isNull();
    }

    @Test
    void periods_are_utc_days_iso_weeks_and_months() {
        Instant sundayNight = Instant.parse("2026-01-04T23:30:00Z"); // ISO week 1 of 2026 ends on this Sunday
        assertThat(Period.DAY.label(sundayNight)).isEqualTo("2026-01-04");
        assertThat(Period.WEEK.label(sundayNight)).isEqualTo("2026-W01");
        assertThat(Period.WEEK.label(Instant.parse("2025-12-29T00:00:00Z"))).isEqualTo("2026-W01");
        assertThat(Period.MONTH.label(sundayNight)).isEqualTo("2026-01");
    }

    @Test
    void a_planted_value_stays_inside_its_cell_in_every_format() {
        ComplianceReport report = new ComplianceReport(
                Instant.parse("2026-12-07T00:00:00Z"), Instant.parse("2026-12-08T00:00:00Z"), Period.DAY);
        String planted = "=HYPERLINK(\"http://x\") | <script>alert(1)</script>\n# heading";
        report.add(new TrailSpan(
                Instant.parse("2026-12-07T10:00:00Z"),
                planted,
                null,
                "tools/call",
                "-cmd",
                Map.of("workspace", "@acme"),
                "deny",
                List.of(planted),
                Map.of(),
                List.of(),
                null));
        List<ReportTables.Table> tables = ReportTables.of(report, null);

        String csv = ReportWriter.csv(ReportTables.calls(report));
        assertThat(csv)
                .as("quoted (the line break stays inside the quotes), and no cell starts a formula")
                .contains(
                        "\r\n2026-12-07,\"'=HYPERLINK(\"\"http://x\"\") | <script>alert(1)</script>\n# heading\",'-cmd,workspace=@acme,1,0,1,");
        assertThat(ReportWriter.html(report, tables))
                .doesNotContain("<script>")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;");
        String markdown = ReportWriter.markdown(report, tables);
        assertThat(markdown)
                .contains("\\| \\<script\\>")
                .doesNotContain("\n# heading")
                .contains(
                        "| 2026-12-07 | =HYPERLINK(\"http://x\") \\| \\<script\\>alert(1)\\</script\\> \\# heading |");
    }
}
