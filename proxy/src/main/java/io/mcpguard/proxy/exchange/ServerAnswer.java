package io.mcpguard.proxy.exchange;

/**
 * What the server answered to one request, as the audit trail records it.
 *
 * @param idKey the request id (its JSON text, as {@code forward.AnswerPlan.idKey} writes it)
 * @param errorCode the JSON-RPC error code of an error answer, else null
 * @param toolError a {@code tools/call} result flagged {@code isError}: the tool failed, the protocol did not
 * @param recorded the answer's {@code result} (or {@code error}) as JSON with every maskable class masked, cut to
 *     the recording limit; null unless the audit trail records this answer
 */
public record ServerAnswer(String idKey, Integer errorCode, boolean toolError, String recorded) {}
