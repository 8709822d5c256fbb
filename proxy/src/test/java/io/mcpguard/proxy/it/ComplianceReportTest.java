package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.policy.SubjectResolver;
import io.mcpguard.proxy.report.ReportCommand;
import io.mcpguard.proxy.testing.JaegerProcess;
import io.mcpguard.proxy.testing.JsonRpcAnswers;
import io.mcpguard.proxy.testing.OpaProcess;
import io.mcpguard.proxy.testing.OtelCollectorProcess;
import io.mcpguard.proxy.testing.OtelProperties;
import io.mcpguard.proxy.testing.OtlpJsonSink;
import io.mcpguard.proxy.testing.OtlpJsonSink.ExportedSpan;
import io.mcpguard.proxy.testing.ProxyHarness;
import io.mcpguard.proxy.testing.SandboxCore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mcpguard report} over a real audit trail: a real OPA with the repository's policies (the viewer's read quota
 * lowered to 2), the real core, the proxy pseudonymising subjects with a key and exporting to a real OpenTelemetry
 * Collector (its OTLP/JSON bodies are the trail file) or to a real Jaeger (read back through its query API). A
 * viewer reads, is refused over quota, is denied a write three times (a denial burst); a maintainer without a second
 * factor is held for a step-up; a developer's read of a file holding a private key is masked. The report must show
 * each of these on the subject's pseudonym, the key period and the policy revision, and name no subject in clear.
 */
class ComplianceReportTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String KEY = "report-test-key-0123456789abcdef0123456789";
    private static final String API = "{\"workspace\":\"acme\",\"repo\":\"payments-api\"}";
    private static final Map<String, Subject> SUBJECTS = Map.of(
            "viewer", subject("report-viewer-ana", "viewer@acme/*"),
            "maintainer", subject("report-maintainer-bo", "maintainer@acme/*"),
            "developer", subject("report-developer-cy", "developer@acme/*"));
    private static final SubjectResolver BY_HEADER =
            (ctx, request) -> SUBJECTS.get(request.headers().get("X-Test-Subject"));

    private final AtomicInteger ids = new AtomicInteger();
    private final Map<String, String> sessions = new HashMap<>();

    @Test
    void the_report_over_a_collectors_otlp_json_shows_each_subjects_calls_under_its_pseudonym(@TempDir Path dir)
            throws Exception {
        Path keyFile = Files.writeString(dir.resolve("subject.key"), KEY);
        Path trail = dir.resolve("trail.jsonl");
        try (SandboxCore core = new SandboxCore(true, true);
                OpaProcess opa = opa(dir);
                OtlpJsonSink sink = new OtlpJsonSink();
                OtelCollectorProcess collector = new OtelCollectorProcess(sink)) {
            collector.start();
            try (ProxyHarness proxy = proxy(core, opa, collector.httpEndpoint(), keyFile)) {
                drive(proxy);
            }
            sink.await(s -> s.kind() == ExportedSpan.SERVER, 12, Duration.ofSeconds(30));
            Files.write(trail, sink.exportRequests(), StandardCharsets.UTF_8);
        }
        Path csv = dir.resolve("calls.csv");

        Result markdown =
                reportToday("--trail", trail.toString(), "--csv", csv.toString(), "--key-file", keyFile.toString());

        assertThat(markdown.exit()).as(markdown.err()).isZero();
        checkReport(markdown.out());
        assertThat(markdown.out()).contains("| current key |");
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows.get(0))
                .startsWith("period,subject,tool or method,labels,calls,allowed,denied,step-up,over quota,other")
                .contains("masked secrets");
        assertThat(rows)
                .anySatisfy(row -> assertThat(row)
                        .startsWith(today() + "," + hmac("report-viewer-ana")
                                + ",get_repository,workspace=acme,3,2,0,0,1,0"));
        assertThat(rows)
                .anySatisfy(row -> assertThat(row)
                        .startsWith(today() + "," + hmac("report-viewer-ana")
                                + ",create_pull_request,workspace=acme,3,0,3,0,0,0"));

        Result html = reportToday("--trail", trail.toString(), "--format", "html", "--period", "month");
        assertThat(html.exit()).as(html.err()).isZero();
        assertThat(html.out())
                .startsWith("<!DOCTYPE html>")
                .contains("<td>" + hmac("report-viewer-ana") + "</td>")
                .contains("not checked (no --key-file)")
                .doesNotContain("report-viewer-ana");

        Result earlier = report("--trail", trail.toString(), "--from", "2020-01-01", "--to", "2020-01-31");
        assertThat(earlier.exit()).isZero();
        assertThat(earlier.out()).contains(": 0 recorded messages").contains("_None in this window._");
    }

    @Test
    void the_report_reads_the_same_trail_from_jaegers_query_api(@TempDir Path dir) throws Exception {
        Path keyFile = Files.writeString(dir.resolve("subject.key"), KEY);
        try (SandboxCore core = new SandboxCore(true, true);
                OpaProcess opa = opa(dir);
                JaegerProcess jaeger = new JaegerProcess()) {
            jaeger.start();
            try (ProxyHarness proxy = proxy(core, opa, jaeger.otlpHttpEndpoint(), keyFile)) {
                drive(proxy);
            }
            Result result = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) { // Jaeger indexes what it received a moment later
                result = reportToday(
                        "--jaeger",
                        jaeger.queryUrl(),
                        "--service",
                        "mcpguard-report-test",
                        "--key-file",
                        keyFile.toString());
                if (result.exit() == 0
                        && result.out().contains("security.denial_burst")
                        && result.out().contains("step-up")) {
                    break;
                }
                Thread.sleep(500);
            }
            assertThat(result.exit()).as(result.err()).isZero();
            checkReport(result.out());
        }
    }

    @Test
    void bad_arguments_and_a_trail_that_is_not_otlp_are_refused_with_a_clear_error(@TempDir Path dir) throws Exception {
        Path notOtlp = Files.writeString(dir.resolve("trail.jsonl"), "{\"resourceSpans\": [ broken");

        assertThat(report("--from", "2026-01-01").err()).contains("--from and --to are required");
        assertThat(report("--from", "2026-01-02", "--to", "2026-01-01", "--trail", "x")
                        .err())
                .contains("--from must come before --to");
        assertThat(report("--from", "yesterday", "--to", "2026-01-01", "--trail", "x")
                        .err())
                .contains("take a date");
        assertThat(report("--from", "2026-01-01", "--to", "2026-01-02").err()).contains("name the trail");
        assertThat(report("--from", "2026-01-01", "--to", "2026-01-02", "--trail", "x", "--period", "hour")
                        .err())
                .contains("--period is day, week or month");
        Result broken = report("--trail", notOtlp.toString(), "--from", "2026-01-01", "--to", "2026-01-02");
        assertThat(broken.exit()).isEqualTo(2);
        assertThat(broken.err()).contains(notOtlp + " is not OTLP/JSON");
    }

    /** What both sources must show of {@link #drive}'s traffic. */
    private static void checkReport(String markdown) throws Exception {
        String viewer = hmac("report-viewer-ana");
        assertThat(markdown)
                .contains("## Pseudonymisation key periods covered")
                .contains("| " + today() + " | " + viewer
                        + " | get\\_repository | workspace=acme | 3 | 2 | 0 | 0 | 1 | 0 |")
                .contains("| " + today() + " | " + viewer
                        + " | create\\_pull\\_request | workspace=acme | 3 | 0 | 3 | 0 | 0 | 0 |")
                .contains("| " + today() + " | security.denial\\_burst | " + viewer + " | 1 |")
                .contains("| " + today() + " | " + hmac("report-maintainer-bo")
                        + " | delete\\_branch | workspace=acme | 1 | 0 | 0 | 1 |")
                .containsPattern(
                        "\\| " + today() + " \\| " + hmac("report-developer-cy")
                                + " \\| get\\\\_file\\\\_content \\| workspace=acme \\| 1 \\| 1 \\| 0 \\| 0 \\| 0 \\| 0 \\|[^\\n]*\\| [1-9]")
                .contains("## Policy revisions in force")
                .doesNotContain("report-viewer-ana", "report-maintainer-bo", "report-developer-cy");
    }

    /** Reads twice and is refused over quota, is denied a write three times, and so on (see the class comment). */
    private void drive(ProxyHarness proxy) throws Exception {
        sessions.clear();
        for (String who : List.of("viewer", "maintainer", "developer")) {
            HttpResponse<String> initialized = post(
                    proxy,
                    who,
                    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
                            + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                            + "\"clientInfo\":{\"name\":\"report-test\",\"version\":\"1\"}}}");
            sessions.put(who, initialized.headers().firstValue("Mcp-Session-Id").orElseThrow());
            post(proxy, who, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        }
        for (int i = 0; i < 3; i++) {
            call(proxy, "viewer", "get_repository", API);
        }
        for (int i = 0; i < 3; i++) {
            call(
                    proxy,
                    "viewer",
                    "create_pull_request",
                    "{\"workspace\":\"acme\",\"repo\":\"payments-api\","
                            + "\"title\":\"t\",\"source_branch\":\"feature/x\",\"destination_branch\":\"main\"}");
        }
        JsonNode held = call(
                proxy,
                "maintainer",
                "delete_branch",
                "{\"workspace\":\"acme\",\"repo\":\"payments-api\",\"branch\":\"feature/old\"}");
        JsonNode masked = call(
                proxy,
                "developer",
                "get_file_content",
                "{\"workspace\":\"acme\",\"repo\":\"payments-api\",\"path\":\"config/application-prod.yml\"}");
        assertThat(held.toString()).as("the maintainer is held for a step-up").doesNotContain("\"result\"");
        assertThat(masked.toString()).contains("REDACTED");
    }

    private JsonNode call(ProxyHarness proxy, String who, String tool, String arguments) throws Exception {
        return send(proxy, who, "tools/call", "{\"name\":\"" + tool + "\",\"arguments\":" + arguments + "}");
    }

    private JsonNode send(ProxyHarness proxy, String who, String method, String params) throws Exception {
        HttpResponse<String> response = post(
                proxy,
                who,
                "{\"jsonrpc\":\"2.0\",\"id\":" + ids.incrementAndGet() + ",\"method\":\"" + method + "\",\"params\":"
                        + params + "}");
        return response.statusCode() == 200
                ? JsonRpcAnswers.message(response)
                : com.fasterxml.jackson.databind.node.TextNode.valueOf(
                        response.statusCode() + " " + response.headers().map() + response.body());
    }

    private HttpResponse<String> post(ProxyHarness proxy, String who, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(proxy.mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2025-06-18")
                .header("X-Test-Subject", who)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (sessions.containsKey(who)) {
            request.header("Mcp-Session-Id", sessions.get(who));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static OpaProcess opa(Path dir) {
        Path policies = dir.resolve("policies");
        OpaProcess.copyRepoPolicies(policies);
        OpaProcess.setReadQuota(policies, "viewer", 2, null);
        OpaProcess opa = new OpaProcess(policies);
        opa.start();
        return opa;
    }

    private static ProxyHarness proxy(SandboxCore core, OpaProcess opa, String otlp, Path keyFile) throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("audit.enabled", "true");
        settings.put("audit.otlp-endpoint", otlp);
        settings.put("audit.otlp-protocol", "http/protobuf");
        settings.put("audit.service-name", "mcpguard-report-test");
        settings.put("audit.subject-hash-key-file", keyFile.toString());
        settings.put("audit.denial-burst-threshold", "3");
        return OtelProperties.during(
                OtelProperties.QUICK_EXPORT, () -> new ProxyHarness(core.mcpUrl(), opa.url(), settings, BY_HEADER));
    }

    private record Result(int exit, String out, String err) {}

    /** The report over today (UTC), the day the test's traffic happened. */
    private static Result reportToday(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "--from";
        all[1] = today();
        all[2] = "--to";
        all[3] = today();
        System.arraycopy(args, 0, all, 4, args.length);
        return report(all);
    }

    private static Result report(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ReportCommand.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String today() {
        return LocalDate.now(ZoneOffset.UTC).toString();
    }

    private static Subject subject(String id, String role) {
        return new Subject(id, true, "jwt", List.of(role), List.of(), "acme", List.of("pwd"), null, null, null);
    }

    private static String hmac(String id) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(id.getBytes(StandardCharsets.UTF_8)));
    }
}
