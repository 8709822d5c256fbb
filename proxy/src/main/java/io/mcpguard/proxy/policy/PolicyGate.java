package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.mcpguard.proxy.jsonrpc.DecodedBody;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.mask.ArgumentClassifier;
import io.mcpguard.proxy.mask.ClientText;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts every message of a body to the policy and collects the verdict. The elements of a batch are decided
 * concurrently and the batch passes only if every one is allowed: the server never sees half a batch, and a
 * {@code tools/call} cannot hide behind an allowed {@code ping} in the same array.
 */
public final class PolicyGate {
    private static final Logger log = LoggerFactory.getLogger(PolicyGate.class);

    private final PolicyEngine engine;
    private final DeclaredTools declaredTools;
    private final ArgumentClassifier arguments;
    private final ClientText clientText;
    private final PolicyInputBound inputBound;

    public PolicyGate(PolicyEngine engine) {
        this(engine, new DeclaredTools(1), null);
    }

    public PolicyGate(PolicyEngine engine, DeclaredTools declaredTools) {
        this(engine, declaredTools, null);
    }

    /**
     * @param arguments classifies each tool call's arguments once, for the policy input (request-side DLP); null
     *     reports nothing found
     */
    public PolicyGate(PolicyEngine engine, DeclaredTools declaredTools, ArgumentClassifier arguments) {
        this(engine, declaredTools, arguments, null);
    }

    /** @param clientText cleans the names a client chose before a log line keeps them; null keeps them as sent */
    public PolicyGate(
            PolicyEngine engine, DeclaredTools declaredTools, ArgumentClassifier arguments, ClientText clientText) {
        this(engine, declaredTools, arguments, clientText, null);
    }

    /** @param inputBound what a message may carry for the policy to read it; null for no bound (tests) */
    public PolicyGate(
            PolicyEngine engine,
            DeclaredTools declaredTools,
            ArgumentClassifier arguments,
            ClientText clientText,
            PolicyInputBound inputBound) {
        this.inputBound = inputBound;
        this.clientText = clientText;
        this.engine = engine;
        this.declaredTools = declaredTools;
        this.arguments = arguments;
    }

    /** What the server declared about its tools, as its listings through this proxy showed. */
    public DeclaredTools declaredTools() {
        return declaredTools;
    }

    private String clean(String value) {
        return clientText == null ? value : clientText.of(value);
    }

    /** Never completes exceptionally: an engine failure becomes a failed outcome, which denies. */
    public CompletableFuture<GateVerdict> check(DecodedBody body, Subject subject, TransportFacts transport) {
        List<CompletableFuture<GateVerdict.Outcome>> pending =
                new ArrayList<>(body.messages().size());
        for (JsonRpcMessage message : body.messages()) {
            String beyond = inputBound == null ? null : inputBound.exceededBy(message);
            if (beyond != null) {
                pending.add(CompletableFuture.completedFuture(deniedUnread(message, beyond)));
                continue;
            }
            pending.add(decideOne(new PolicyInput(
                    subject, message, transport, declaredTools.declared(message.toolName()), findings(message))));
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                .thenApply(done -> {
                    List<GateVerdict.Outcome> outcomes = new ArrayList<>(pending.size());
                    pending.forEach(f -> outcomes.add(f.join()));
                    return new GateVerdict(outcomes);
                });
    }

    /** A message beyond the input bound: denied with the reason, never classified or put to the engine. */
    private GateVerdict.Outcome deniedUnread(JsonRpcMessage message, String beyond) {
        log.atInfo()
                .addKeyValue("mcp.method", clean(message.method()))
                .addKeyValue("gen_ai.tool.name", clean(message.toolName()))
                .addKeyValue("reason", beyond)
                .log("denied before the policy: input beyond its bound");
        return GateVerdict.Outcome.decided(
                message,
                Decision.deniedBeforePolicy(
                        "Denied before the policy read it: " + beyond + " (limits.max-argument-*)"));
    }

    /**
     * What the called tool's arguments carry, by class and classifier name; computed once per tools/call. The answers
     * a 2026-07-28 retry brings ({@code params.inputResponses}: what a user typed into an elicitation, say) count as
     * arguments: the server acts on them as on the arguments, and a write sends them on to Bitbucket.
     */
    private ArgumentFindings findings(JsonRpcMessage message) {
        if (arguments == null || message.toolName() == null) {
            return ArgumentFindings.NONE;
        }
        JsonNode answers = message.params() == null ? null : message.params().get("inputResponses");
        if (answers == null) {
            return message.toolArguments() == null
                    ? ArgumentFindings.NONE
                    : ArgumentFindings.classify(arguments, message.toolArguments());
        }
        ArrayNode sent = JsonNodeFactory.instance.arrayNode().add(answers);
        if (message.toolArguments() != null) {
            sent.add(message.toolArguments());
        }
        return ArgumentFindings.classify(arguments, sent);
    }

    private CompletableFuture<GateVerdict.Outcome> decideOne(PolicyInput input) {
        JsonRpcMessage message = input.message();
        return engine.decide(input).handle((decision, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                PolicyUnavailableException unavailable = cause instanceof PolicyUnavailableException p
                        ? p
                        : new PolicyUnavailableException("policy engine failed", cause);
                log.atWarn()
                        .addKeyValue("mcp.method", clean(message.method()))
                        .addKeyValue("gen_ai.tool.name", clean(message.toolName()))
                        .addKeyValue("reason", unavailable.getMessage())
                        .log("no policy decision; denying");
                return GateVerdict.Outcome.unavailable(message, unavailable);
            }
            if (!decision.allow()) {
                log.atInfo()
                        .addKeyValue("mcp.method", clean(message.method()))
                        .addKeyValue("gen_ai.tool.name", clean(message.toolName()))
                        .addKeyValue(
                                "reasons", clientText == null ? decision.reasons() : clientText.of(decision.reasons()))
                        .addKeyValue("decision_id", decision.decisionId())
                        .addKeyValue("policy_revision", decision.revision())
                        .log("denied by policy");
            } else {
                log.atDebug()
                        .addKeyValue("mcp.method", clean(message.method()))
                        .addKeyValue("gen_ai.tool.name", clean(message.toolName()))
                        .addKeyValue("decision_id", decision.decisionId())
                        .log("allowed by policy");
            }
            return GateVerdict.Outcome.decided(message, decision);
        });
    }
}
