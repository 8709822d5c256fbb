package io.mcpguard.proxy.pipeline;

import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.policy.GateVerdict;
import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.policy.TransportFacts;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

/**
 * A request to the MCP endpoint as it travels from the decode stage to the forward stage: what the client sent (the
 * decoded body, never the raw bytes), who sent it, and — once the policy stage passed it — the verdict. Immutable:
 * each stage that adds a fact passes on a new one.
 *
 * @param method POST (with a body), GET (the server's stream) or DELETE (end of session)
 * @param query the client's raw query string, or null
 * @param headers the client's request headers (a copy the stages may change)
 * @param keepAlive whether the connection stays open after the answer
 * @param body the decoded, validated body; null for GET and DELETE, which carry no message
 * @param subject who sent it
 * @param transport the transport facts the policy input carries; null without a body
 * @param verdict the policy's answer; null until the policy stage allowed the body
 * @param log the exchange's record, which the stages write their facts to
 */
public record Exchange(
        HttpMethod method,
        String query,
        HttpHeaders headers,
        boolean keepAlive,
        DecodedBody body,
        Subject subject,
        TransportFacts transport,
        GateVerdict verdict,
        ExchangeLog log) {

    /** This exchange, allowed by the policy with {@code verdict}. */
    Exchange allowedBy(GateVerdict verdict) {
        return new Exchange(method, query, headers, keepAlive, body, subject, transport, verdict, log);
    }

    /** Whether it carries JSON-RPC messages (a POST), which the policy decides; GET and DELETE carry none. */
    boolean hasMessages() {
        return body != null;
    }
}
