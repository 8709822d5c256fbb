package io.mcpguard.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.testing.ProxyStack;
import io.mcpguard.proxy.testing.RawMcp;
import io.mcpguard.proxy.testing.ScriptedUpstream.Answer;
import io.mcpguard.proxy.testing.ScriptedUpstream.Piece;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What one subject may hold at once, and what it may make the proxy do for one request, through the real policy
 * and a scripted upstream that holds its answers as long as a test likes: pipelined requests served one at a time,
 * event streams and requests in flight bounded per subject, oversized arguments denied before the policy reads
 * them, the forwarded body described truthfully, and sessions under the policy's quota.
 */
class SubjectBudgetsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Subject DEVELOPER = new Subject(
            "dev-1", true, "jwt", List.of("developer@acme/*"), List.of(), "acme", List.of("pwd"), null, null, null);
    private static final String CALL = "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
            + "{\"name\":\"get_repository\",\"arguments\":{\"workspace\":\"acme\",\"repo\":\"%s\"}}}";
    private static final Pattern ID = Pattern.compile("\"id\":(\\d+)");
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @RegisterExtension
    static final ProxyStack stack = ProxyStack.builder()
            .scriptedUpstream()
            .subjects((ctx, request) -> DEVELOPER)
            .settings(Map.of(
                    "budgets.per-subject.streams", "1",
                    "budgets.per-subject.in-flight", "2",
                    "limits.max-argument-bytes", "1KiB"))
            .build();

    private static String result(String body) {
        Matcher id = ID.matcher(body);
        return "{\"jsonrpc\":\"2.0\",\"id\":" + (id.find() ? id.group(1) : "0")
                + ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]}}";
    }

    private static HttpRequest.Builder request() {
        return RawMcp.request(stack.proxy().mcpUrl()).timeout(Duration.ofSeconds(20));
    }

    @Test
    void pipelined_requests_are_served_one_at_a_time_and_answered_in_order() throws Exception {
        AtomicInteger active = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        stack.scripted().script(body -> {
            most.accumulateAndGet(active.incrementAndGet(), Math::max);
            try {
                Thread.sleep(200); // long enough for a second request to overlap, were it let through
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            active.decrementAndGet();
            return new Answer(200, "application/json", List.of(Piece.of(result(body))));
        });
        StringBuilder requests = new StringBuilder();
        for (int id = 1; id <= 3; id++) {
            String body = CALL.formatted(id, "repo-" + id);
            requests.append("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n")
                    .append("Accept: application/json, text/event-stream\r\nContent-Length: ")
                    .append(body.length())
                    .append("\r\n\r\n")
                    .append(body);
        }

        String answers;
        try (Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), stack.proxy().port())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(requests.toString().getBytes(StandardCharsets.US_ASCII)); // all three in one write
            out.flush();
            answers = readUntil(socket.getInputStream(), text -> count(text, "\"result\"") == 3);
        }

        assertThat(most.get()).as("requests the upstream served at once").isEqualTo(1);
        assertThat(stack.scripted().bodies()).hasSize(3);
        assertThat(answers.indexOf("\"id\":1,")).isLessThan(answers.indexOf("\"id\":2,"));
        assertThat(answers.indexOf("\"id\":2,")).isLessThan(answers.indexOf("\"id\":3,"));
    }

    @Test
    void a_subject_holds_one_event_stream_and_two_requests_at_once_and_the_next_is_told_to_retry() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Runnable hold = () -> {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        stack.scripted()
                .script(body -> body.isEmpty()
                        ? new Answer(200, "text/event-stream", List.of(Piece.of(": open\n\n"), Piece.after(hold, "")))
                        : body.contains("tools/call")
                                ? new Answer(200, "application/json", List.of(Piece.after(hold, result(body))))
                                : new Answer(200, "application/json", List.of(Piece.of(result(body)))));
        try {
            CompletableFuture<HttpResponse<InputStream>> stream = HTTP.sendAsync(
                    request().header("Accept", "text/event-stream").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

            HttpResponse<String> secondStream = HTTP.send(
                    request().header("Accept", "text/event-stream").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(secondStream.statusCode()).isEqualTo(429);
            assertThat(secondStream.headers().firstValue("Retry-After")).contains("1");
            assertThat(JSON.readTree(secondStream.body()).at("/error/code").asInt())
                    .isEqualTo(-32013);
            assertThat(secondStream.body()).contains("open event streams");

            CompletableFuture<HttpResponse<String>> heldCall = HTTP.sendAsync(
                    request()
                            .POST(HttpRequest.BodyPublishers.ofString(CALL.formatted(7, "held")))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            awaitBodies(body -> body.contains("\"held\""));
            HttpResponse<String> third = RawMcp.send(request()
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}")));
            assertThat(third.statusCode()).isEqualTo(429);
            assertThat(third.body()).contains("-32013").contains("requests in flight");

            release.countDown();
            assertThat(heldCall.get(20, TimeUnit.SECONDS).body()).contains("\"id\":7");
            stream.get().body().close();
            // What the subject held is given back: a new stream opens once the old one has ended.
            stack.scripted().script(body -> new Answer(200, "text/event-stream", List.of(Piece.of(": open\n\n"))));
            assertThat(eventually(() -> HTTP.send(
                                    request()
                                            .header("Accept", "text/event-stream")
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode()))
                    .isEqualTo(200);
        } finally {
            release.countDown();
        }
    }

    @Test
    void arguments_beyond_the_policy_input_bound_are_denied_before_the_policy_reads_them() throws Exception {
        stack.scripted().script(body -> new Answer(200, "application/json", List.of(Piece.of(result(body)))));
        String big = CALL.formatted(11, "r".repeat(2048));

        HttpResponse<String> denied = RawMcp.send(request().POST(HttpRequest.BodyPublishers.ofString(big)));

        assertThat(JSON.readTree(denied.body()).at("/error/code").asInt()).isEqualTo(-32001);
        assertThat(denied.body()).contains("Denied before the policy read it").contains("1024 bytes");
        assertThat(stack.scripted().bodies()).isEmpty();
        // Within the bound, the same call is decided by the policy and forwarded.
        HttpResponse<String> allowed =
                RawMcp.send(request().POST(HttpRequest.BodyPublishers.ofString(CALL.formatted(12, "payments"))));
        assertThat(allowed.body()).contains("\"result\"");
    }

    @Test
    void the_forwarded_body_is_described_as_the_utf8_json_it_is_and_other_encodings_are_refused() throws Exception {
        stack.scripted().script(body -> new Answer(200, "application/json", List.of(Piece.of(result(body)))));
        String call = CALL.formatted(21, "payments");

        HttpResponse<String> sent = RawMcp.send(request()
                .setHeader("Content-Type", "application/json; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(call)));
        HttpResponse<String> latin1 = RawMcp.send(request()
                .setHeader("Content-Type", "application/json; charset=iso-8859-1")
                .POST(HttpRequest.BodyPublishers.ofString(call)));
        HttpResponse<String> twoTypes = RawMcp.send(
                request().header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(call)));
        HttpResponse<String> gzip = RawMcp.send(
                request().header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofString(call)));

        assertThat(sent.body()).contains("\"result\"");
        assertThat(stack.scripted().requestHeaders()).singleElement().satisfies(headers -> {
            assertThat(headers.get("Content-type")).containsExactly("application/json");
            assertThat(headers).doesNotContainKey("Content-encoding");
        });
        assertThat(latin1.statusCode()).isEqualTo(415);
        assertThat(latin1.body()).contains("UTF-8");
        assertThat(twoTypes.statusCode()).isEqualTo(415);
        assertThat(twoTypes.body()).contains("one Content-Type");
        assertThat(gzip.statusCode()).isEqualTo(415);
        assertThat(gzip.body()).contains("content-encoded");
        assertThat(stack.scripted().bodies()).hasSize(1);
    }

    @Test
    void initialize_is_counted_against_the_subjects_session_quota() throws Exception {
        stack.scripted().script(body -> new Answer(200, "application/json", List.of(Piece.of(result(body)))));
        String initialize = "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"loop\",\"version\":\"1\"}}}";
        String refused = null;
        int sent = 0;
        // The repository's policy: 30 a minute, refilled continuously (one every 2 s), so a quick loop meets the
        // refusal within a few calls past the thirtieth.
        while (refused == null && sent < 40) {
            sent++;
            String answer = RawMcp.send(request().POST(HttpRequest.BodyPublishers.ofString(initialize.formatted(sent))))
                    .body();
            if (JSON.readTree(answer).at("/error/code").asInt() == -32029) {
                refused = answer;
            }
        }

        assertThat(refused).as("an initialize over the session quota").isNotNull();
        assertThat(sent).isGreaterThan(30);
        assertThat(stack.scripted().bodies()).hasSize(sent - 1);
    }

    private static void awaitBodies(java.util.function.Predicate<String> arrived) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (stack.scripted().bodies().stream().noneMatch(arrived)) {
            assertThat(System.nanoTime())
                    .as("the upstream received the request")
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** The first 200 within a few tries: the stream's end reaches the proxy a moment after the client closes. */
    private static int eventually(java.util.concurrent.Callable<Integer> status) throws Exception {
        int last = 0;
        for (int attempt = 0; attempt < 50 && last != 200; attempt++) {
            last = status.call();
            if (last != 200) {
                Thread.sleep(100);
            }
        }
        return last;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    private static String readUntil(InputStream in, java.util.function.Predicate<String> done) throws Exception {
        StringBuilder text = new StringBuilder();
        byte[] buffer = new byte[8192];
        try {
            while (!done.test(text.toString())) {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                text.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (SocketTimeoutException e) {
            // what arrived is what the assertions judge
        }
        return text.toString();
    }
}
