package io.mcpguard.proxy.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.policy.GateVerdict;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.quota.QuotaOutcome;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExchangeLogTest {
    private final List<ExchangeLog> completed = new ArrayList<>();

    private ExchangeLog open(EmbeddedChannel channel) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/mcp?x=1");
        request.headers()
                .set("MCP-Protocol-Version", "2025-11-25")
                .set("Mcp-Session-Id", "s-1")
                .set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        return ExchangeLog.open(channel, request, completed::add);
    }

    @Test
    void the_log_keeps_the_request_facts_a_trail_needs_and_no_other_header() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ExchangeLog log = open(channel);

        assertThat(ExchangeLog.of(channel)).isSameAs(log);
        assertThat(log.head().httpMethod()).isEqualTo("POST");
        assertThat(log.head().path()).isEqualTo("/mcp");
        assertThat(log.head().httpVersion()).isEqualTo("1.1");
        assertThat(log.head().protocolVersion()).isEqualTo("2025-11-25");
        assertThat(log.head().sessionId()).isEqualTo("s-1");
        assertThat(log.head().traceparent()).startsWith("00-0af7");
        assertThat(log.isComplete()).isFalse();
    }

    @Test
    void the_first_ending_wins_and_the_observer_hears_it_once() {
        ExchangeLog log = open(new EmbeddedChannel());
        log.subject(Subject.ANONYMOUS).responded(200);
        log.masked(new MaskCounts());

        log.completed();
        log.interrupted(true);
        log.upstreamFailed(ErrorCode.UPSTREAM_TIMEOUT);
        log.responded(502);

        assertThat(completed).containsExactly(log);
        assertThat(log.ending().outcome()).isEqualTo(Outcome.ALLOW);
        assertThat(log.ending().interrupted()).isFalse();
        assertThat(log.upstreamStatus()).as("a fact after the end is ignored").isEqualTo(200);
        assertThat(log.endEpochNanos()).isGreaterThanOrEqualTo(log.startEpochNanos());
    }

    @Test
    void no_stage_can_rewrite_an_exchange_after_its_ending() {
        ExchangeLog log = open(new EmbeddedChannel());
        MaskCounts counts = new MaskCounts();
        log.subject(Subject.ANONYMOUS).responded(200);
        log.masked(counts);
        log.abandoned();
        long ended = log.endEpochNanos();

        // A late stage (a slow policy answer, a relay finishing) writes after the trail was handed out.
        log.subject(null);
        log.body(new DecodedBody(List.of(), false, new byte[0]));
        log.decided(new GateVerdict(List.of()));
        log.quotaTaken(List.of(new QuotaOutcome(false, 0, 1_000)));
        log.scopesNeeded(Set.of("repo:write"));
        log.sessionRefused(true, "fp");
        log.forwarded(List.of(new HopContext("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331")));
        log.responded(502);
        log.masked(new MaskCounts());
        log.answered(new ServerAnswer("1", -32000, false, null));
        log.unmatchedAnswer();
        log.hidden(3);
        log.refused(Outcome.DENY, 403, ErrorCode.POLICY_DENIED, "late");

        assertThat(completed).containsExactly(log);
        assertThat(log.ending().outcome()).isEqualTo(Outcome.ABANDONED);
        assertThat(log.ending().interrupted()).isFalse();
        assertThat(log.endEpochNanos()).isEqualTo(ended);
        assertThat(log.subject()).isEqualTo(Subject.ANONYMOUS);
        assertThat(log.body()).isNull();
        assertThat(log.verdict()).isNull();
        assertThat(log.decidedEpochNanos()).isZero();
        assertThat(log.quota()).isEmpty();
        assertThat(log.scopesNeeded()).isNull();
        assertThat(log.sessionRefusal()).isNull();
        assertThat(log.hops()).isNull();
        assertThat(log.forwardedEpochNanos()).isZero();
        assertThat(log.upstreamStatus()).isEqualTo(200);
        assertThat(log.masked()).isSameAs(counts);
        assertThat(log.answers()).isEmpty();
        assertThat(log.unmatchedAnswers()).isZero();
        assertThat(log.hiddenItems()).isZero();
    }

    @Test
    void facts_written_before_the_ending_are_kept() {
        ExchangeLog log = open(new EmbeddedChannel());
        DecodedBody body = new DecodedBody(List.of(), false, new byte[0]);
        GateVerdict verdict = new GateVerdict(List.of());
        List<QuotaOutcome> quota = List.of(new QuotaOutcome(true, 4, 0));
        List<HopContext> hops = List.of(new HopContext("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"));
        ServerAnswer answer = new ServerAnswer("1", -32000, false, null);

        log.body(body);
        log.decided(verdict);
        log.quotaTaken(quota);
        log.scopesNeeded(Set.of("repo:write"));
        log.sessionRefused(true, "fp");
        log.forwarded(hops);
        log.answered(answer);
        log.unmatchedAnswer();
        log.unmatchedAnswer();
        log.hidden(2);
        log.hidden(1);
        log.upstreamFailed(ErrorCode.UPSTREAM_TIMEOUT);

        assertThat(log.body()).isSameAs(body);
        assertThat(log.verdict()).isSameAs(verdict);
        assertThat(log.decidedEpochNanos()).isGreaterThanOrEqualTo(log.startEpochNanos());
        assertThat(log.quota()).isEqualTo(quota);
        assertThat(log.scopesNeeded()).containsExactly("repo:write");
        assertThat(log.sessionRefusal()).isEqualTo(new ExchangeLog.SessionRefusal(true, "fp"));
        assertThat(log.hops()).isEqualTo(hops);
        assertThat(log.forwardedEpochNanos()).isGreaterThanOrEqualTo(log.decidedEpochNanos());
        assertThat(log.answers()).containsExactly(answer);
        assertThat(log.unmatchedAnswers()).isEqualTo(2);
        assertThat(log.hiddenItems()).isEqualTo(3);
        assertThat(log.ending().outcome()).isEqualTo(Outcome.UPSTREAM_ERROR);
        assertThat(log.ending().code()).isEqualTo(ErrorCode.UPSTREAM_TIMEOUT);
        assertThat(log.toString()).contains("POST").contains("complete=true");
    }

    @Test
    void a_refusal_before_decoding_names_its_outcome_status_and_code() {
        ExchangeLog log = open(new EmbeddedChannel());

        log.refused(Outcome.TOO_LARGE, 413, ErrorCode.BODY_TOO_LARGE, "request body exceeds the limit");

        assertThat(log.ending())
                .isEqualTo(new ExchangeLog.Ending(
                        Outcome.TOO_LARGE,
                        413,
                        ErrorCode.BODY_TOO_LARGE,
                        "request body exceeds the limit",
                        List.of(),
                        false));
    }

    @Test
    void a_client_leaving_a_relay_is_abandoned_and_a_server_failing_one_is_an_upstream_error() {
        ExchangeLog left = open(new EmbeddedChannel());
        ExchangeLog cut = open(new EmbeddedChannel());

        left.interrupted(true);
        cut.interrupted(false);

        assertThat(left.ending().outcome()).isEqualTo(Outcome.ABANDONED);
        assertThat(left.ending().interrupted()).isTrue();
        assertThat(cut.ending().outcome()).isEqualTo(Outcome.UPSTREAM_ERROR);
    }

    @Test
    void a_stage_without_the_exchange_log_stage_in_front_fails_loudly() {
        assertThatThrownBy(() -> ExchangeLog.of(new EmbeddedChannel()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exchange-log stage");
    }

    @Test
    void outcomes_keep_their_wire_names_and_map_refusal_codes() {
        assertThat(Outcome.ofRefusal(ErrorCode.POLICY_DENIED, null)).isEqualTo(Outcome.DENY);
        assertThat(Outcome.ofRefusal(ErrorCode.OVER_QUOTA, null)).isEqualTo(Outcome.OVER_QUOTA);
        assertThat(Outcome.ofRefusal(ErrorCode.BATCH_NOT_FORWARDED, null)).isEqualTo(Outcome.NOT_SENT);
        assertThat(Outcome.ofRefusal(ErrorCode.INSUFFICIENT_SCOPE, null)).isEqualTo(Outcome.INSUFFICIENT_SCOPE);
        assertThat(Outcome.ofRefusal(ErrorCode.UPSTREAM_TIMEOUT, null)).isEqualTo(Outcome.UPSTREAM_ERROR);
        assertThat(Outcome.ofRefusal(ErrorCode.PARSE_ERROR, null)).isEqualTo(Outcome.ERROR);
        assertThat(Outcome.STEP_UP.wireName()).isEqualTo("step_up");
        assertThat(Outcome.IDENTITY_UNAVAILABLE.wireName()).isEqualTo("identity_unavailable");
        assertThat(Outcome.DENY.isDenial()).isTrue();
        assertThat(Outcome.OVER_QUOTA.isDenial()).isFalse();
    }

    @Test
    void the_client_s_address_is_kept_as_its_ip_and_a_transport_without_one_records_none() throws Exception {
        EmbeddedChannel tcp = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("10.1.2.3", 40_000);
            }
        };
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/mcp");

        ExchangeLog overTcp = ExchangeLog.open(tcp, request, completed::add);
        ExchangeLog embedded = ExchangeLog.open(new EmbeddedChannel(), request, completed::add);

        assertThat(overTcp.head().clientAddress()).isEqualTo("10.1.2.3");
        assertThat(overTcp.head().client().getPort()).isEqualTo(40_000);
        assertThat(overTcp.head().httpVersion()).isEqualTo("1.0");
        assertThat(overTcp.head().protocolVersion()).isNull();
        assertThat(overTcp.head().sessionId()).isNull();
        assertThat(overTcp.head().tracestate()).isNull();
        assertThat(embedded.head().client()).isNull();
        assertThat(embedded.head().clientAddress()).isNull();
    }

    @Test
    void a_new_request_replaces_the_log_of_the_previous_one_on_its_connection() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ExchangeLog first = open(channel);
        first.completed();

        ExchangeLog second = open(channel);

        assertThat(ExchangeLog.of(channel)).isSameAs(second).isNotSameAs(first);
        assertThat(second.isComplete()).isFalse();
        assertThat(completed).containsExactly(first);
    }

    @Test
    void refused_messages_end_the_exchange_with_one_refusal_each_and_no_single_outcome() {
        ExchangeLog log = open(new EmbeddedChannel());
        List<Refusal> refusals = new ArrayList<>(List.of(
                new Refusal(null, ErrorCode.POLICY_DENIED, "no", null),
                new Refusal(null, ErrorCode.BATCH_NOT_FORWARDED, "not sent", null)));

        log.refused(refusals);
        refusals.clear();

        assertThat(completed).containsExactly(log);
        assertThat(log.isComplete()).isTrue();
        assertThat(log.ending().outcome()).isNull();
        assertThat(log.ending().httpStatus()).isZero();
        assertThat(log.ending().refusals())
                .as("a copy: the caller's list cannot change the record")
                .extracting(Refusal::code)
                .containsExactly(ErrorCode.POLICY_DENIED, ErrorCode.BATCH_NOT_FORWARDED);
    }

    @Test
    void an_upstream_failure_is_a_502_and_a_client_gone_before_forwarding_is_abandoned_uninterrupted() {
        ExchangeLog failed = open(new EmbeddedChannel());
        ExchangeLog gone = open(new EmbeddedChannel());

        failed.upstreamFailed(ErrorCode.UPSTREAM_UNAVAILABLE);
        gone.abandoned();

        assertThat(failed.ending())
                .isEqualTo(new ExchangeLog.Ending(
                        Outcome.UPSTREAM_ERROR, 502, ErrorCode.UPSTREAM_UNAVAILABLE, null, List.of(), false));
        assertThat(gone.ending()).isEqualTo(new ExchangeLog.Ending(Outcome.ABANDONED, 0, null, null, List.of(), false));
        assertThat(failed.ending().interrupted()).isFalse();
    }

    @Test
    void the_scopes_needed_are_a_copy_and_an_open_log_reads_as_incomplete() {
        long before = epochNanos(java.time.Instant.now());
        ExchangeLog log = open(new EmbeddedChannel());
        long after = epochNanos(java.time.Instant.now());
        Set<String> needed = new java.util.HashSet<>(Set.of("repo:write"));

        log.scopesNeeded(needed);
        needed.add("admin");

        assertThat(log.scopesNeeded()).containsExactly("repo:write");
        assertThat(log.ending()).isNull();
        assertThat(log.endEpochNanos()).isZero();
        assertThat(log.toString()).contains("complete=false");
        assertThat(log.startEpochNanos())
                .as("nanoseconds since the epoch, read from the wall clock")
                .isBetween(before, after);
    }

    private static long epochNanos(java.time.Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
