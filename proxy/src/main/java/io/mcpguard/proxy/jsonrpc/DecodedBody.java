package io.mcpguard.proxy.jsonrpc;

import java.util.List;

/**
 * The messages of one POST body, in order, and the bytes to forward.
 *
 * @param messages one message, or each element of a batch
 * @param batch whether the client sent a JSON array
 * @param canonicalBytes the re-serialised form of exactly what was validated; forwarding these instead of the
 *     client's bytes closes parser-differential attacks (duplicate keys, odd escapes, trailing data)
 */
public record DecodedBody(List<JsonRpcMessage> messages, boolean batch, byte[] canonicalBytes) {
    public DecodedBody {
        messages = List.copyOf(messages);
    }
}
