package io.mcpguard.proxy.exchange;

import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.policy.GateVerdict;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.quota.QuotaOutcome;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The facts of one HTTP exchange, written by the stages as it travels and read by the observers (the audit trail)
 * once it completes — Armeria's {@code RequestLog} is the model. No stage calls the audit trail: each writes what it
 * learned here (who sent it, the decision, the quota, the hop's trace context, the server's status and answers, what
 * was masked, how it ended), and the log tells its observer when the exchange is over.
 *
 * <p>One log per request, opened when the request's head arrives and kept on the connection while the request is in
 * flight ({@link #of(Channel)}). Every method runs on the connection's event loop. The first ending wins: once
 * complete, further facts are ignored, so a late report cannot change what was recorded.
 */
public final class ExchangeLog {
    private static final AttributeKey<ExchangeLog> KEY = AttributeKey.valueOf("mcpguard.exchange-log");

    private final ExchangeObserver observer;
    private final long startEpochNanos;
    private final RequestHead head;

    private Subject subject;
    private DecodedBody body;
    private GateVerdict verdict;
    private long decidedEpochNanos;
    private List<QuotaOutcome> quota = List.of();
    private Set<String> scopesNeeded;
    private List<HopContext> hops;
    private long forwardedEpochNanos;
    private int upstreamStatus;
    private MaskCounts masked;
    private final List<ServerAnswer> answers = new ArrayList<>(1);
    private SessionRefusal sessionRefusal;
    private int unmatchedAnswers;
    private int hiddenItems;

    private Ending ending;
    private long endEpochNanos;

    private ExchangeLog(ExchangeObserver observer, HttpRequest request, InetSocketAddress client) {
        this.observer = observer;
        this.startEpochNanos = epochNanos();
        this.head = RequestHead.of(request, client);
    }

    /** Opens the log of a request whose head just arrived on {@code channel}, replacing the previous request's. */
    public static ExchangeLog open(Channel channel, HttpRequest request, ExchangeObserver observer) {
        InetSocketAddress client = channel.remoteAddress() instanceof InetSocketAddress peer ? peer : null;
        ExchangeLog log = new ExchangeLog(observer, request, client);
        channel.attr(KEY).set(log);
        return log;
    }

    /** The log of the request in flight on {@code channel}. */
    public static ExchangeLog of(Channel channel) {
        ExchangeLog log = channel.attr(KEY).get();
        if (log == null) {
            throw new IllegalStateException("no exchange log on this connection: the exchange-log stage is missing");
        }
        return log;
    }

    // ---- facts, written by the stages ----

    /** Who sent it: the verified subject, or the anonymous one when authentication is off. */
    public ExchangeLog subject(Subject subject) {
        if (ending == null) {
            this.subject = subject;
        }
        return this;
    }

    /** The decoded body, whose messages get one record each. */
    public void body(DecodedBody body) {
        if (ending == null) {
            this.body = body;
        }
    }

    /** The policy's answer for every message. */
    public void decided(GateVerdict verdict) {
        if (ending == null) {
            this.verdict = verdict;
            this.decidedEpochNanos = epochNanos();
        }
    }

    /** What each message's quota bucket held after its take, in body order; null where there is no quota. */
    public void quotaTaken(List<QuotaOutcome> taken) {
        if (ending == null) {
            this.quota = taken;
        }
    }

    /** The scopes the refused credential lacked (an {@link Outcome#INSUFFICIENT_SCOPE} ending). */
    public void scopesNeeded(Set<String> scopes) {
        if (ending == null) {
            this.scopesNeeded = Set.copyOf(scopes);
        }
    }

    /** A session presented by a subject that does not own it ({@code foreign}) or that nobody owns. */
    public void sessionRefused(boolean foreign, String sessionFingerprint) {
        if (ending == null) {
            this.sessionRefusal = new SessionRefusal(foreign, sessionFingerprint);
        }
    }

    /** The body goes to the server now, each message with this trace context on the hop (null: not traced). */
    public void forwarded(List<HopContext> hops) {
        if (ending == null) {
            this.hops = hops;
            this.forwardedEpochNanos = epochNanos();
        }
    }

    /** The server's answer began with this HTTP status. */
    public void responded(int httpStatus) {
        if (ending == null) {
            this.upstreamStatus = httpStatus;
        }
    }

    /** What the answer path masked: counts, never values. */
    public void masked(MaskCounts counts) {
        if (ending == null) {
            this.masked = counts;
        }
    }

    /** The server answered one request with an error, a failed tool, or an answer the trail records. */
    public void answered(ServerAnswer answer) {
        if (ending == null) {
            answers.add(answer);
        }
    }

    /** A response whose id matches no request of the exchange was masked with every class. */
    public void unmatchedAnswer() {
        if (ending == null) {
            unmatchedAnswers++;
        }
    }

    // ---- endings: the first one completes the log ----

    /**
     * Refused before any message was decided (Host/Origin, authentication, session, body limit, media type, a body
     * the decoder refused, a missing scope).
     *
     * @param code the JSON-RPC error code of the answer, or null when the answer has none
     * @param reason a fixed description safe to record (never a value from the request)
     */
    public void refused(Outcome outcome, int httpStatus, ErrorCode code, String reason) {
        complete(new Ending(outcome, httpStatus, code, reason, List.of(), false));
    }

    /** The decided messages are answered with these refusals, one per message in body order. */
    public void refused(List<Refusal> refusals) {
        complete(new Ending(null, 0, null, null, List.copyOf(refusals), false));
    }

    /** Forwarded, and the answer was relayed to its end. */
    public void completed() {
        complete(new Ending(Outcome.ALLOW, 0, null, null, List.of(), false));
    }

    /** Forwarded, but the server could not be reached or did not answer in time; the client got {@code code}. */
    public void upstreamFailed(ErrorCode code) {
        complete(new Ending(Outcome.UPSTREAM_ERROR, 502, code, null, List.of(), false));
    }

    /**
     * The relay stopped before the answer's end: the client left ({@code clientGone}), or the server failed
     * mid-answer.
     */
    public void interrupted(boolean clientGone) {
        complete(new Ending(clientGone ? Outcome.ABANDONED : Outcome.UPSTREAM_ERROR, 0, null, null, List.of(), true));
    }

    /** The client left before it could be answered; nothing was forwarded. */
    public void abandoned() {
        complete(new Ending(Outcome.ABANDONED, 0, null, null, List.of(), false));
    }

    private void complete(Ending ending) {
        if (this.ending != null) {
            return;
        }
        this.ending = ending;
        this.endEpochNanos = epochNanos();
        observer.exchangeCompleted(this);
    }

    // ---- reading, for the observers ----

    public boolean isComplete() {
        return ending != null;
    }

    public Ending ending() {
        return ending;
    }

    public long startEpochNanos() {
        return startEpochNanos;
    }

    public long endEpochNanos() {
        return endEpochNanos;
    }

    /** When the decision arrived, or 0 when none was asked for. */
    public long decidedEpochNanos() {
        return decidedEpochNanos;
    }

    /** When the body went to the server, or 0 when it did not. */
    public long forwardedEpochNanos() {
        return forwardedEpochNanos;
    }

    /** What the request's head said: method, path, MCP headers, trace context, the client's address. */
    public RequestHead head() {
        return head;
    }

    public Subject subject() {
        return subject;
    }

    /** The decoded body, or null for a request that carries none (GET, DELETE) or was refused before decoding. */
    public DecodedBody body() {
        return body;
    }

    /** The decision for every message, or null when none was asked for. */
    public GateVerdict verdict() {
        return verdict;
    }

    public List<QuotaOutcome> quota() {
        return quota;
    }

    public Set<String> scopesNeeded() {
        return scopesNeeded;
    }

    public SessionRefusal sessionRefusal() {
        return sessionRefusal;
    }

    /** The hop's trace context per message, or null when the body was not forwarded or not traced. */
    public List<HopContext> hops() {
        return hops;
    }

    /** The server's HTTP status, or 0 when it did not answer. */
    public int upstreamStatus() {
        return upstreamStatus;
    }

    /** What was masked in the answer, or null when nothing was. */
    public MaskCounts masked() {
        return masked;
    }

    /** Items cut from list answers because the policy does not let the subject see them. */
    public void hidden(int items) {
        if (ending == null) {
            hiddenItems += items;
        }
    }

    /** How many list items the answer path hid from the subject (tools, prompts, resources, templates). */
    public int hiddenItems() {
        return hiddenItems;
    }

    /** How many responses matched no request of the exchange (each masked with every class). */
    public int unmatchedAnswers() {
        return unmatchedAnswers;
    }

    public List<ServerAnswer> answers() {
        return List.copyOf(answers);
    }

    /**
     * How the exchange ended.
     *
     * @param outcome the outcome of the whole exchange; null when {@code refusals} gives one per message
     * @param httpStatus the status the client got for a refusal the proxy answered (0 when not such a refusal)
     * @param code the JSON-RPC error code the client got, or null
     * @param reason a fixed description safe to record, or null
     * @param refusals one per decided message, in body order, when the decided messages were refused
     * @param interrupted the relay was cut before the answer's end
     */
    public record Ending(
            Outcome outcome,
            int httpStatus,
            ErrorCode code,
            String reason,
            List<Refusal> refusals,
            boolean interrupted) {}

    /** A refused session: another subject's ({@code foreign}), or unknown; its id only as a fingerprint. */
    public record SessionRefusal(boolean foreign, String sessionFingerprint) {}

    private static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public String toString() {
        return "ExchangeLog" + Map.of("method", head.httpMethod(), "complete", ending != null);
    }
}
