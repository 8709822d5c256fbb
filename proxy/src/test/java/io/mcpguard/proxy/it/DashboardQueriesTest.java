package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.policy.SubjectResolver;
import io.mcpguard.proxy.testing.ClassPart;
import io.mcpguard.proxy.testing.OtlpJsonSink;
import io.mcpguard.proxy.testing.PrometheusProcess;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.ScriptedUpstream.Answer;
import io.mcpguard.proxy.testing.ScriptedUpstream.Piece;
import io.mcpguard.proxy.testing.Tools;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard ({@code docs/grafana/mcpguard-audit.json}) against a real Prometheus fed by the real proxy:
 * the proxy's OTLP metrics go straight to Prometheus's OTLP receiver, traffic gives every panel something to show
 * (allowed, denied, over quota, masked answers, decision cache hits and misses, OPA away, the server failing, a
 * denial burst, a body refused before any decision), and then every panel's query, with Grafana's variables filled
 * in, must return a finite value.
 *
 * <p>A real OPA decides with the repository's policies (a viewer's read quota lowered to 3). Subjects by the
 * test-only {@code X-Test-Subject} header: {@code developer} (answers masked) or {@code viewer}.
 */
class DashboardQueriesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Path DASHBOARD = Path.of("docs/grafana/mcpguard-audit.json");
    private static final Path ALERTS = Path.of("docs/prometheus/mcpguard-alerts.yaml");
    private static final String SERVICE = "mcpguard-dashboard-test";
    /** How often the proxy exports its metrics here (OTEL_METRIC_EXPORT_INTERVAL; 60 s by default). */
    private static final Duration EXPORT_INTERVAL = Duration.ofMillis(500);

    /**
     * Grafana's variables as a dashboard user would have them: {@code $__rate_interval} is the one Grafana computes
     * from the scrape interval (at least 4 of them); 1m covers the whole run here, where samples arrive every 0.5 s.
     * {@code $job} gets the value the dashboard's own variable query finds (see {@link #variables()}).
     */
    private static final Map<String, String> GRAFANA_VARIABLES =
            Map.of("__rate_interval", "1m", "__interval", "15s", "__range", "5m");

    private static final String SECRET = "AKIAZ7QWERTY12345678";
    private static final String EMAIL = "priya.raman@acme-corp.example";

    private static final Subject DEVELOPER = new Subject(
            "dash-developer",
            true,
            "jwt",
            List.of("developer@acme/*"),
            List.of(),
            "acme",
            List.of("pwd"),
            null,
            null,
            null);
    private static final Subject VIEWER = new Subject(
            "dash-viewer", true, "jwt", List.of("viewer@acme/*"), List.of(), null, List.of("pwd"), null, null, null);
    private static final SubjectResolver SUBJECTS =
            (ctx, request) -> "viewer".equals(request.headers().get("X-Test-Subject")) ? VIEWER : DEVELOPER;

    @TempDir
    static Path dir;

    @RegisterExtension
    @Order(1)
    static final ClassPart<PrometheusProcess> prometheus = ClassPart.of(() -> new PrometheusProcess(
            Files.createDirectories(dir.resolve("prometheus")), Tools.repo().resolve(ALERTS)));

    /** The spans go somewhere harmless; only the metrics matter here. */
    @RegisterExtension
    @Order(2)
    static final ClassPart<OtlpJsonSink> traces = ClassPart.of(OtlpJsonSink::new);

    @RegisterExtension
    @Order(3)
    static final ProxyStack stack = ProxyStack.builder()
            .policies(ProxyStack.Policies.withReadQuota("viewer", 3, null))
            .scriptedUpstream()
            // The standard OTEL_* settings (in their system-property form): metrics to Prometheus, often.
            .otel(() -> Map.of(
                    "otel.exporter.otlp.metrics.endpoint",
                    prometheus.get().otlpMetricsEndpoint(),
                    "otel.exporter.otlp.metrics.protocol",
                    "http/protobuf",
                    "otel.metric.export.interval",
                    Long.toString(EXPORT_INTERVAL.toMillis()),
                    "otel.bsp.schedule.delay",
                    "100"))
            .settings(() -> Map.of(
                    "audit.enabled",
                    "true",
                    "audit.otlp-endpoint",
                    traces.get().url(),
                    "audit.otlp-protocol",
                    "http/protobuf",
                    "audit.service-name",
                    SERVICE,
                    "audit.spool-dir",
                    dir.resolve("spool").toString(),
                    "audit.denial-burst-threshold",
                    "3",
                    // Shadow mode with the enforced policy as its own candidate: the panel's series exist and agree.
                    "policy.shadow.decision-path",
                    "mcp/authz/decision"))
            .subjects(SUBJECTS)
            .build();

    private static final AtomicInteger ids = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        stack.scripted().script(DashboardQueriesTest::answer);
        // Twice, an export apart: a counter's first sample only says where it starts, so a rate over one sample
        // is nothing; the second round gives every series an increase.
        // The security events' series start at 0 with the proxy; an alert on increase() needs that first sample
        // stored before the burst the traffic raises, as it is in production.
        awaitStored("mcp_security_events_total", Duration.ofSeconds(30));
        for (int round = 0; round < 2; round++) {
            driveEveryPanel();
            awaitStored("mcp_server_operation_duration_seconds_count", Duration.ofSeconds(30));
            Thread.sleep(3 * EXPORT_INTERVAL.toMillis());
        }
    }

    /** What the MCP server answers: a tool result carrying a secret and an e-mail address, or a broken connection. */
    private static Answer answer(String body) {
        JsonNode message;
        try {
            message = JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (!message.has("id")) {
            return new Answer(202, null, List.of());
        }
        if (message.at("/params/arguments/repo").asText().startsWith("broken")) {
            // The JDK server closes the connection without an answer: the proxy reports the server unreachable.
            throw new IllegalStateException("scripted failure");
        }
        String text =
                JSON.valueToTree("deploy key " + SECRET + ", ask " + EMAIL).toString();
        return new Answer(
                200,
                "application/json",
                List.of(Piece.of("{\"jsonrpc\":\"2.0\",\"id\":" + message.get("id") + ",\"result\":{\"content\":"
                        + "[{\"type\":\"text\",\"text\":" + text + "}],\"isError\":false}}")));
    }

    /** One round of traffic that gives every panel of the dashboard data. */
    private static void driveEveryPanel() throws Exception {
        // allowed, masked (the developer may not see secrets or personal data), a decision-cache miss then hits
        for (int i = 0; i < 3; i++) {
            assertThat(call("developer", "get_pull_request", "payments-api"))
                    .contains("[REDACTED")
                    .doesNotContain(SECRET);
        }
        // denied (a viewer may not merge), often enough for a denial burst (threshold 3)
        for (int i = 0; i < 3; i++) {
            assertThat(call("viewer", "merge_pull_request", "payments-api")).contains("\"error\"");
        }
        // over quota: the viewer's read quota is 3 a minute
        for (int i = 0; i < 4; i++) {
            call("viewer", "get_repository", "api");
        }
        // the server fails
        assertThat(call("developer", "get_repository", "broken-" + ids.incrementAndGet()))
                .contains("\"error\"");
        // refused before any decision: a body that is not JSON-RPC
        assertThat(post("viewer", "{\"jsonrpc\":")).contains("\"error\"");
        // no decision: OPA is away (a repository never asked about, so no cached decision answers)
        stack.opa().stop();
        try {
            assertThat(call("developer", "get_repository", "opa-away-" + ids.incrementAndGet()))
                    .contains("\"error\"");
        } finally {
            stack.opa().start();
        }
    }

    private static String call(String subject, String tool, String repo) throws Exception {
        int id = ids.incrementAndGet();
        return post(
                subject,
                "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                        + "\",\"arguments\":{\"workspace\":\"acme\",\"repo\":\"" + repo + "\",\"pr_id\":2}}}");
    }

    private static String post(String subject, String body) throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create(stack.proxy().mcpUrl()))
                                .header("Content-Type", "application/json")
                                .header("Accept", "application/json, text/event-stream")
                                .header("MCP-Protocol-Version", "2025-06-18")
                                .header("X-Test-Subject", subject)
                                .timeout(Duration.ofSeconds(20))
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static void awaitStored(String metric, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!prometheus.get().metricNames().contains(metric)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Prometheus stored no " + metric + " within " + timeout + "; it stores "
                        + prometheus.get().metricNames() + "; its log: "
                        + prometheus.get().logText());
            }
            Thread.sleep(100);
        }
    }

    /** One query of one panel. */
    private record Target(String panel, String refId, String expr) {
        @Override
        public String toString() {
            return "panel \"" + panel + "\" " + refId + ": " + expr;
        }
    }

    private static JsonNode dashboard() throws IOException {
        return JSON.readTree(Tools.repo().resolve(DASHBOARD).toFile());
    }

    /** Every target of every panel, rows' nested panels included. */
    private static List<Target> targets(JsonNode dashboard) {
        List<Target> targets = new ArrayList<>();
        collect(dashboard.path("panels"), targets);
        return targets;
    }

    private static void collect(JsonNode panels, List<Target> into) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                into.add(new Target(
                        panel.path("title").asText(),
                        target.path("refId").asText(),
                        target.path("expr").asText()));
            }
            collect(panel.path("panels"), into);
        }
    }

    /**
     * The dashboard's variables with the values a user would see: Grafana's built-in ones, and each query variable
     * set to the first value its own query ({@code label_values(metric, label)}) finds in Prometheus.
     */
    private static Map<String, String> variables() throws IOException {
        Map<String, String> values = new LinkedHashMap<>(GRAFANA_VARIABLES);
        Pattern labelValues = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");
        for (JsonNode variable : dashboard().path("templating").path("list")) {
            String name = variable.path("name").asText();
            if (!"query".equals(variable.path("type").asText())) {
                continue; // the data source picker: not part of any expression
            }
            String query = variable.path("query").isObject()
                    ? variable.path("query").path("query").asText()
                    : variable.path("query").asText();
            Matcher m = labelValues.matcher(query);
            assertThat(m.matches())
                    .as("variable %s: only label_values(metric, label) is understood here: %s", name, query)
                    .isTrue();
            List<String> found = prometheus.get().labelValues(m.group(2), m.group(1));
            assertThat(found)
                    .as("variable %s (%s) finds values in Prometheus", name, query)
                    .isNotEmpty();
            values.put(name, found.get(0));
        }
        return values;
    }

    /** {@code expr} with {@code $name}, {@code ${name}} and {@code ${name:format}} replaced; unknown ones fail. */
    static String substitute(String expr, Map<String, String> variables) {
        Matcher m = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\$(\\w+)").matcher(expr);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String value = variables.get(name);
            if (value == null) {
                throw new AssertionError("unknown Grafana variable $" + name + " in " + expr);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The metric names an expression selects (identifiers followed by a label selector or a range). */
    static TreeSet<String> metricNames(String expr) {
        TreeSet<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\b([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*[{\\[]").matcher(expr);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /**
     * Why the query returns nothing useful, or null when it returns at least one finite value and every label it
     * groups by ({@code by (...)}, what the legend shows) is on at least one series: a misspelt label would group
     * everything into one nameless series.
     */
    private static String problem(String query) {
        JsonNode result;
        try {
            result = prometheus.get().query(query);
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
        if (result.isEmpty()) {
            return "no data";
        }
        boolean finite = false;
        for (JsonNode series : result) {
            finite |= Double.isFinite(
                    Double.parseDouble(series.path("value").path(1).asText()));
        }
        if (!finite) {
            return "no finite value: " + result;
        }
        Matcher by = Pattern.compile("\\bby\\s*\\(([^)]*)\\)").matcher(query);
        while (by.find()) {
            for (String label : by.group(1).split(",")) {
                String name = label.trim();
                boolean seen = name.equals("le"); // consumed by histogram_quantile
                for (JsonNode series : result) {
                    seen |= series.path("metric").has(name);
                }
                if (!seen) {
                    return "no series has the label " + name + " it is grouped by: " + result;
                }
            }
        }
        return null;
    }

    @Test
    void every_panel_query_returns_data_from_the_metrics_the_proxy_exported() throws Exception {
        Map<String, String> variables = variables();
        List<String> stored = prometheus.get().metricNames();
        List<Target> targets = targets(dashboard());
        assertThat(targets).as("the dashboard's queries").hasSizeGreaterThan(5);

        List<String> failures = new ArrayList<>();
        for (Target target : targets) {
            String query = substitute(target.expr(), variables);
            String problem = problem(query);
            if (problem != null) {
                failures.add(target + "\n    as run: " + query + "\n    -> " + problem + "\n    names in it: "
                        + metricNames(query) + ", stored: "
                        + metricNames(query).stream().filter(stored::contains).toList());
            }
        }
        System.out.println("Prometheus stores: "
                + stored.stream()
                        .filter(n -> n.startsWith("mcp_") || n.equals("target_info"))
                        .toList());
        assertThat(failures)
                .as("panel queries without data; Prometheus stores %s", stored)
                .isEmpty();
    }

    @Test
    void a_query_on_a_misnamed_metric_is_caught() {
        // the name without its unit suffix, and the OpenTelemetry name as it is (quoted, as PromQL allows)
        assertThat(problem("sum(rate(mcp_server_operation_duration_count[1m]))"))
                .isEqualTo("no data");
        assertThat(problem("sum(rate({\"mcp.server.operation.duration_count\"}[1m]))"))
                .isEqualTo("no data");
        // a misspelt label to group by
        assertThat(problem("sum by (mcp_policy_outcomes) (rate(mcp_server_operation_duration_seconds_count[1m]))"))
                .startsWith("no series has the label mcp_policy_outcomes");
        // while the right name answers
        assertThat(problem("sum(rate(mcp_server_operation_duration_seconds_count[1m]))"))
                .isNull();
    }

    @Test
    void the_alert_rules_load_evaluate_on_stored_metrics_and_the_denial_burst_fires() throws Exception {
        List<String> stored = prometheus.get().metricNames();
        List<String> failures = new ArrayList<>();
        int alerts = 0;
        for (JsonNode group : prometheus.get().rules()) {
            for (JsonNode rule : group.path("rules")) {
                alerts++;
                String name = rule.path("name").asText();
                if (!"ok".equals(rule.path("health").asText())
                        && !rule.path("health").asText().equals("unknown")) {
                    failures.add(name + ": " + rule.path("health").asText() + " "
                            + rule.path("lastError").asText());
                }
                for (String metric : metricNames(rule.path("query").asText())) {
                    if (!stored.contains(metric)) {
                        failures.add(name + ": " + metric + " is not a metric the proxy exported");
                    }
                }
            }
        }
        assertThat(alerts).as("rules loaded from %s", ALERTS).isEqualTo(8);
        assertThat(failures).isEmpty();

        // The traffic raised a denial burst (threshold 3): its alert fires (no "for").
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> firing = List.of();
        while (System.nanoTime() < deadline && !firing.contains("McpguardDenialBurst")) {
            List<String> now = new ArrayList<>();
            prometheus.get().alerts().forEach(a -> {
                if ("firing".equals(a.path("state").asText())) {
                    now.add(a.path("labels").path("alertname").asText());
                }
            });
            firing = now;
            Thread.sleep(500);
        }
        assertThat(firing)
                .as(
                        "firing alerts; the events counter: %s; all alerts: %s",
                        prometheus.get().query("mcp_security_events_total"),
                        prometheus.get().alerts())
                .contains("McpguardDenialBurst")
                .doesNotContain("McpguardSessionHijackAttempt");
    }
}
