package io.mcpguard.proxy.auth;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which OAuth scopes a request needs: {@code auth.required-scopes} for any request to the MCP endpoint, plus those
 * of its JSON-RPC method ({@code auth.method-scopes}) and, for {@code tools/call}, of its tool
 * ({@code auth.tool-scopes}). Immutable.
 */
public final class ScopeRequirements {
    private final Set<String> base;
    private final Map<String, List<String>> byMethod;
    private final Map<String, List<String>> byTool;
    private final String stepUpScope;

    public ScopeRequirements(ProxyConfig.Auth auth) {
        this.base = Set.copyOf(auth.requiredScopes());
        this.byMethod = auth.methodScopes();
        this.byTool = auth.toolScopes();
        this.stepUpScope = auth.stepUpScope();
    }

    /** Scopes every request needs, before its body is read. */
    public Set<String> base() {
        return base;
    }

    /** Scopes one message needs, the base ones included; sorted, so challenges are stable. */
    public Set<String> requiredFor(JsonRpcMessage message) {
        Set<String> needed = new TreeSet<>(base);
        if (message.method() != null) {
            needed.addAll(byMethod.getOrDefault(message.method(), List.of()));
        }
        String tool = message.toolName();
        if (tool != null) {
            needed.addAll(byTool.getOrDefault(tool, List.of()));
        }
        return needed;
    }

    /** The scopes a step-up for MFA asks for: those the message needs plus {@code auth.step-up-scope}. */
    public Set<String> stepUpFor(JsonRpcMessage message) {
        Set<String> needed = new TreeSet<>(requiredFor(message));
        if (stepUpScope != null) {
            needed.add(stepUpScope);
        }
        return needed;
    }

    /** Every scope this resource knows of, for its metadata ({@code scopes_supported}). */
    public Set<String> supported() {
        Set<String> all = new TreeSet<>(base);
        byMethod.values().forEach(all::addAll);
        byTool.values().forEach(all::addAll);
        if (stepUpScope != null) {
            all.add(stepUpScope);
        }
        return all;
    }
}
