package io.mcpguard.proxy.forward;

import com.fasterxml.jackson.databind.JsonNode;
import io.mcpguard.proxy.policy.ListPatterns;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * What the answer path must do to the answer of one forwarded body, keyed by JSON-RPC request id ({@link
 * #idKey(JsonNode)}): which {@code tools/list} results to cut down to the tools the policy lets the caller see, and
 * which data classes to mask in which result. Masks travel here from the decision; applying them is the masking
 * stage's job.
 *
 * @param visibleTools for each {@code tools/list} request id, the tool names its result may keep
 * @param masks for each request id whose decision asked for masking, the policy data classes to mask
 * @param tenant the tenant of the subject who sent the body, whose key the hash style uses; may be null
 * @param undecided the data classes to mask, with every mask, in a message the server sends on its own: empty for a
 *     POST (its own masks apply), every maskable class for a GET stream, which no decision covers (fail closed)
 * @param decided the ids of the requests this exchange decided; a response whose id is not among them cannot be
 *     tied to a decision (the server echoed an id differently, or answered what nobody asked) and is masked with
 *     every class. Null for a stream whose requests this exchange did not carry: there every response is undecided
 * @param anyList for a stream whose requests this exchange did not carry (the GET stream, a stream resumed with
 *     {@code Last-Event-ID}), the tools any {@code tools/list} result on it may keep; null when not such a stream
 * @param recorded the request ids whose answer the audit trail records (opted in with {@code
 *     audit.record-tool-calls}): the answer path hands a masked copy of each to the relay's listener
 * @param itemLists for each {@code prompts/list}, {@code resources/list} and {@code resources/templates/list} request
 *     id, which list its result holds and the patterns of the items it may keep ({@link ItemListFilter})
 * @param bridged for a 2026-07-28 request the proxy bridged to a legacy-era server, its id and method: its result is
 *     given the shape the modern client reads ({@link ModernResults}), and the server's session stays hidden
 * @param sealing seals the {@code requestState} of a multi round-trip result for the subject who asked ({@link
 *     SealedRequestStates}); null where no client retries (a stream), which leaves it as the server sent it
 */
public record AnswerPlan(
        Map<String, Set<String>> visibleTools,
        Map<String, List<String>> masks,
        String tenant,
        List<String> undecided,
        Set<String> anyList,
        Set<String> recorded,
        Set<String> decided,
        Map<String, ListCut> itemLists,
        Map<String, String> bridged,
        UnaryOperator<String> sealing) {
    /** The maskable policy classes: what a message that no decision covers is masked with. */
    public static final List<String> EVERY_CLASS = List.of("secret", "personal_data", "internal_infrastructure");

    /** For a request that carries no message (DELETE): any answer it gets is masked with every class. */
    public static final AnswerPlan NONE =
            new AnswerPlan(Map.of(), Map.of(), null, List.of(), null, Set.of(), Set.of(), Map.of(), Map.of(), null);

    /**
     * A server stream opened with GET: it may carry the server's own messages and, on resumption, answers to earlier
     * requests decided in other exchanges. No decision says what this subject may see in them, so everything
     * maskable is masked, and any {@code tools/list} result on it is cut to {@code visible}.
     */
    public static AnswerPlan forStream(Set<String> visible, String tenant) {
        return new AnswerPlan(
                Map.of(), Map.of(), tenant, EVERY_CLASS, visible, Set.of(), null, Map.of(), Map.of(), null);
    }

    public AnswerPlan {
        visibleTools = Map.copyOf(visibleTools);
        masks = Map.copyOf(masks);
        undecided = List.copyOf(undecided);
        anyList = anyList == null ? null : Set.copyOf(anyList);
        recorded = Set.copyOf(recorded);
        decided = decided == null ? null : Set.copyOf(decided);
        itemLists = Map.copyOf(itemLists);
        bridged = Map.copyOf(bridged);
    }

    /**
     * The plan of a POSTed body.
     *
     * @param decided the ids of its requests; an answer to any other id is masked with every class
     */
    public AnswerPlan(
            Map<String, Set<String>> visibleTools,
            Map<String, List<String>> masks,
            String tenant,
            Set<String> decided) {
        this(visibleTools, masks, tenant, List.of(), null, Set.of(), decided, Map.of(), Map.of(), null);
    }

    /** The map key of a request id: its JSON text, so the number 1 and the string "1" stay apart. */
    public static String idKey(JsonNode id) {
        return id == null ? "null" : id.toString();
    }

    /** This plan, with the answers to these request ids recorded for the audit trail. */
    public AnswerPlan recording(Set<String> ids) {
        return ids.isEmpty()
                ? this
                : new AnswerPlan(
                        visibleTools, masks, tenant, undecided, anyList, ids, decided, itemLists, bridged, sealing);
    }

    /** This plan, with the prompt and resource lists of these request ids cut as planned. */
    public AnswerPlan listing(Map<String, ListCut> cuts) {
        return cuts.isEmpty()
                ? this
                : new AnswerPlan(
                        visibleTools, masks, tenant, undecided, anyList, recorded, decided, cuts, bridged, sealing);
    }

    /**
     * This plan, for a request whose answer is a stream of the server's own messages ({@code subscriptions/listen}):
     * no decision covers what they carry, so they are masked with every class, as on the legacy GET stream.
     */
    public AnswerPlan streamingUnasked() {
        return new AnswerPlan(
                visibleTools, masks, tenant, EVERY_CLASS, anyList, recorded, decided, itemLists, bridged, sealing);
    }

    /** This plan, for requests bridged from the 2026-07-28 era: their methods by request id. */
    public AnswerPlan bridging(Map<String, String> methods) {
        return new AnswerPlan(
                visibleTools, masks, tenant, undecided, anyList, recorded, decided, itemLists, methods, sealing);
    }

    /** This plan, with multi round-trip states sealed by {@code sealer} before the client sees them. */
    public AnswerPlan sealingStates(UnaryOperator<String> sealer) {
        return new AnswerPlan(
                visibleTools, masks, tenant, undecided, anyList, recorded, decided, itemLists, bridged, sealer);
    }

    /** Whether the answer comes from a server the proxy bridged a modern client to. */
    public boolean isBridged() {
        return !bridged.isEmpty();
    }

    /**
     * How to cut one prompt or resource list.
     *
     * @param kind which list the request asked for
     * @param visible the decision's patterns; {@link ListPatterns#NONE} when it named none (nothing is shown)
     */
    public record ListCut(ListKind kind, ListPatterns visible) {}

    /** Whether a response with this id key answers a request of this exchange. */
    public boolean decides(String idKey) {
        return decided != null && decided.contains(idKey);
    }
}
