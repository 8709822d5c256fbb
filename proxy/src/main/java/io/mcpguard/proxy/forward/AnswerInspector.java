package io.mcpguard.proxy.forward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.mcpguard.proxy.exchange.ServerAnswer;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.mask.MaskCounts;
import io.mcpguard.proxy.mask.MaskRule;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Inspects the JSON-RPC messages of one answer (a JSON body, or one SSE event at a time) and rewrites them in place:
 * filters the planned {@code tools/list}, {@code prompts/list}, {@code resources/list} and {@code
 * resources/templates/list} results, sanitises every error, and masks what the decision for the answered request
 * said.
 *
 * <p>A response is masked with the rule of the request it answers ({@code result} and {@code error}: tool results'
 * {@code content[].text}, {@code structuredContent}, embedded resources, resource contents, prompt messages). A
 * message the server sends on its own in the stream (a {@code notifications/progress}, a log message, a sampling
 * request) cannot be tied to one request, so its {@code params} are masked with the union of every mask of the
 * exchange: a secret must not leak through a progress message. Counts of what was masked accumulate in {@link
 * #counts()}; values are never kept. Lives on one event loop; not thread-safe.
 */
final class AnswerInspector {
    private static final String FALLBACK = "MCP server error";
    private final AnswerInspection shared;
    private final AnswerPlan plan;
    private final ToolListFilter filter;
    private final ItemListFilter items;
    private final MaskRule strictest;
    private final MaskRule undecided;
    private final MaskRule everyClass;
    private final MaskCounts counts = new MaskCounts();
    private final RelayListener listener;
    /** The ids of the responses read so far, in a decided exchange: a request is answered once. */
    private final Set<String> answered = new HashSet<>();

    private int listsPending;

    AnswerInspector(
            AnswerInspection shared,
            AnswerPlan plan,
            ToolListFilter filter,
            ItemListFilter items,
            RelayListener listener) {
        this.items = items;
        this.shared = shared;
        this.listener = listener;
        this.plan = plan;
        this.filter = filter;
        // A server stream may carry list results until it ends; an exchange's own answer, one per planned request.
        this.listsPending =
                plan.anyList() != null ? Integer.MAX_VALUE : plan.visibleTools().size();
        Set<String> all = new TreeSet<>();
        plan.masks().values().forEach(all::addAll);
        all.addAll(plan.undecided());
        this.strictest = shared.rules().fromPolicy(all, plan.tenant());
        this.undecided = shared.rules().fromPolicy(plan.undecided(), plan.tenant());
        this.everyClass = shared.rules().fromPolicy(AnswerPlan.EVERY_CLASS, plan.tenant());
    }

    MaskCounts counts() {
        return counts;
    }

    /**
     * Whether a message with this JSON text may need rewriting: a cheap test so the answers of an exchange without
     * lists or masks are parsed only when they might carry an error.
     */
    boolean mayRewrite(String json) {
        // A POST's answers are always read: an answer is tied to its decision by its id, which must be checked.
        return plan.decided() != null
                || listsPending > 0
                || !strictest.classes().isEmpty()
                || !plan.recorded().isEmpty()
                || json.contains("\"error\"")
                || json.contains("\"isError\"");
    }

    /**
     * Rewrites {@code message} (one message or a batch array) in place; returns whether anything changed. A bare
     * value (no object, no array) cannot be rewritten in place: {@link #maskUndecidedText} is for it.
     */
    boolean inspect(JsonNode message) {
        if (message instanceof ArrayNode batch) {
            boolean any = false;
            for (int i = 0; i < batch.size(); i++) {
                JsonNode element = batch.get(i);
                if (element.isContainerNode()) {
                    any |= inspect(element);
                } else { // a stray value is no message, but a client may still read it: no decision covers it
                    JsonNode masked = shared.masker().masked(element, everyClass, counts);
                    if (masked != element) {
                        batch.set(i, masked);
                        any = true;
                    }
                }
            }
            return any;
        }
        if (!(message instanceof ObjectNode object)) {
            return false;
        }
        if (isSecondAnswer(object)) {
            withhold(object);
            return true;
        }
        boolean changed = false;
        if (listsPending > 0) {
            int hidden = filter.rewrite(object);
            if (hidden != ToolListFilter.NOT_A_LIST) {
                listsPending--;
                changed = true;
                if (hidden > 0) {
                    listener.hidden(hidden);
                }
            }
        }
        // Prompt and resource lists are cut before masking, which then runs on what is left like on any answer.
        int hiddenItems = items.rewrite(object);
        if (hiddenItems > 0) {
            changed = true;
            listener.hidden(hiddenItems);
        }
        // A bare value where the error object belongs is no JSON-RPC error a client can read, and may be a server's
        // stack trace: replaced by a clean error like any other.
        if (object.hasNonNull("error")) {
            ObjectNode clean = shared.errors().sanitize(object, null, object.get("id"), FALLBACK);
            object.set("error", clean.get("error"));
            changed = true;
        }
        if (object.get("result") instanceof ObjectNode result
                && result.path("isError").asBoolean(false)) {
            changed |= cleanErrorTexts(result);
        }
        // A multi round-trip state goes back to the server as it came, so it is sealed, not masked: taken out
        // before the masks run over the result, put back sealed after.
        String sealedState = sealedState(object);
        MaskRule rule = ruleFor(object);
        if (!rule.classes().isEmpty()) {
            int before = counts.total();
            for (String part : List.of("result", "error", "params")) {
                JsonNode subtree = object.get(part);
                if (subtree != null) {
                    TextualBlobs.mask(subtree, rule, counts, shared.masker());
                    JsonNode masked = shared.masker().masked(subtree, rule, counts);
                    if (masked != subtree) { // a bare string: replaced, not rewritten in place
                        object.set(part, masked);
                    }
                }
            }
            changed |= counts.total() != before;
        }
        if (sealedState != null && object.get("result") instanceof ObjectNode result) {
            result.put("requestState", sealedState);
            changed = true;
        }
        if (plan.isBridged() && !object.has("method") && object.has("id")) {
            String method = plan.bridged().get(AnswerPlan.idKey(object.get("id")));
            changed |= method != null && ModernResults.reshape(object, method);
        }
        changed |= ModernResults.privateCache(object);
        ServerAnswer answer = observe(object);
        if (answer != null) {
            listener.answered(answer);
        }
        return changed;
    }

    /** Takes the {@code requestState} out of a multi round-trip result and returns it sealed; null when there is none. */
    private String sealedState(ObjectNode message) {
        if (plan.sealing() != null
                && message.get("result") instanceof ObjectNode result
                && "input_required".equals(result.path("resultType").asText())
                && result.get("requestState") instanceof TextNode state) {
            result.remove("requestState");
            return plan.sealing().apply(state.asText());
        }
        return null;
    }

    /**
     * Whether {@code message} answers a request of this decided exchange that an earlier response answered already. A
     * second answer is tied to no decision of its own: the list filter, for one, cuts one list per listing request,
     * and would pass a second in full.
     */
    private boolean isSecondAnswer(ObjectNode message) {
        return plan.decided() != null
                && !message.has("method")
                && message.has("id")
                && !answered.add(AnswerPlan.idKey(message.get("id")));
    }

    /** Replaces what a second answer carries with an error saying so, and reports it as unmatched. */
    private void withhold(ObjectNode message) {
        message.remove("result");
        ObjectNode error = message.putObject("error");
        error.put("code", ErrorCode.ANSWER_NOT_INSPECTABLE.code());
        error.put("message", "the MCP server answered this request a second time; the proxy withheld that answer");
        listener.unmatched();
    }

    /**
     * What the audit trail learns from a response: its error code, a tool failure, and (recorded requests only) a
     * masked copy of what it carries. Read after the answer's own rewriting (a sanitised error, the caller's masks);
     * the copy is then masked for every class.
     */
    private ServerAnswer observe(ObjectNode message) {
        if (message.has("method") || !message.has("id")) {
            return null;
        }
        JsonNode error = message.get("error");
        Integer code = error instanceof ObjectNode && error.path("code").canConvertToInt()
                ? error.path("code").asInt()
                : null;
        JsonNode result = message.get("result");
        boolean toolError =
                result instanceof ObjectNode && result.path("isError").asBoolean(false);
        String idKey = AnswerPlan.idKey(message.get("id"));
        String recorded = null;
        if (shared.snapshots() != null && plan.recorded().contains(idKey)) {
            JsonNode carried = result != null ? result : error;
            recorded = carried == null ? null : shared.snapshots().of(carried, plan.tenant());
        }
        if (code == null && !toolError && recorded == null) {
            return null;
        }
        return new ServerAnswer(idKey, code, toolError, recorded);
    }

    /**
     * A tool result flagged {@code isError} is where servers (the MCP Java SDK among them) put an exception's text:
     * its text items lose frames, class names, paths and internal hosts like an error body does.
     */
    private boolean cleanErrorTexts(ObjectNode result) {
        boolean changed = false;
        if (result.get("content") instanceof ArrayNode content) {
            for (JsonNode item : content) {
                if (item instanceof ObjectNode text && text.get("text") instanceof TextNode value) {
                    String clean = shared.errors().cleanText(value.asText());
                    if (!clean.equals(value.asText())) {
                        text.put("text", clean.isBlank() ? FALLBACK : clean);
                        changed = true;
                    }
                }
            }
        }
        return changed;
    }

    private MaskRule ruleFor(ObjectNode message) {
        if (message.has("method")) { // a request or notification of the server's own
            return strictest;
        }
        String idKey = AnswerPlan.idKey(message.get("id"));
        List<String> mask = plan.masks().get(idKey);
        if (mask != null) {
            return shared.rules().fromPolicy(mask, plan.tenant());
        }
        if (plan.decided() == null) { // a stream no decision covers: everything is undecided
            return undecided;
        }
        if (plan.decides(idKey)) {
            return shared.rules().fromPolicy(List.of(), plan.tenant());
        }
        // Not the answer to any request this exchange decided: the server echoed an id differently (a lone
        // surrogate turned into U+FFFD, a rounded number) or answered what nobody asked. Fail closed.
        listener.unmatched();
        return everyClass;
    }

    /**
     * Masks, with every class, the data of an event that is no JSON-RPC message (another event type, or text that is
     * no JSON): a client may still read it, and nothing ties it to a decision. Returns null when nothing changed.
     */
    String maskUndecidedText(String text) {
        String masked = shared.masker().maskText(text, everyClass, counts);
        return masked.equals(text) ? null : masked;
    }

    /** A clean JSON-RPC error for an upstream HTTP error answer (status 400 or more), masked as the exchange says. */
    ObjectNode errorAnswer(JsonNode body, String rawText, int status) {
        ObjectNode clean = shared.errors().sanitize(body, rawText, null, FALLBACK + " (HTTP " + status + ")");
        if (!strictest.classes().isEmpty()) {
            clean.set("error", shared.masker().masked(clean.get("error"), strictest, counts));
        }
        return clean;
    }
}
