package io.mcpguard.proxy.auth;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mcpguard.proxy.config.ProxyConfig;
import java.net.URI;
import java.util.Collection;

/**
 * The proxy's statements as an OAuth 2.1 resource server: its Protected Resource Metadata (RFC 9728) and the
 * {@code WWW-Authenticate: Bearer} challenges that point clients to it (RFC 6750 §3, MCP authorization).
 */
public final class Challenges {
    static final String WELL_KNOWN = "/.well-known/oauth-protected-resource";

    private final ProxyConfig.Auth auth;
    private final ScopeRequirements scopes;
    private final String metadataUrl;

    public Challenges(ProxyConfig.Auth auth, ScopeRequirements scopes) {
        this.auth = auth;
        this.scopes = scopes;
        this.metadataUrl = metadataUrl(auth.resource());
    }

    /**
     * RFC 9728 §3.1: the well-known suffix goes between the host and the resource's path, so {@code
     * https://mcp.example.com/mcp} has its metadata at {@code
     * https://mcp.example.com/.well-known/oauth-protected-resource/mcp}.
     */
    static String metadataUrl(URI resource) {
        String path = resource.getRawPath() == null ? "" : resource.getRawPath();
        if (path.equals("/")) {
            path = "";
        }
        String authority = resource.getRawAuthority();
        return resource.getScheme() + "://" + authority + WELL_KNOWN + path;
    }

    public String metadataUrl() {
        return metadataUrl;
    }

    /** The metadata document itself. */
    public ObjectNode metadata() {
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put("resource", auth.resource().toString());
        var servers = doc.putArray("authorization_servers");
        if (auth.issuer() != null) {
            servers.add(auth.issuer().toString());
        }
        scopes.supported().forEach(doc.putArray("scopes_supported")::add);
        doc.putArray("bearer_methods_supported").add("header");
        doc.put("resource_name", "mcpguard");
        return doc;
    }

    /** 401: no credential ({@code error} null) or an invalid one. */
    String unauthorized(String error, String description) {
        StringBuilder value = new StringBuilder("Bearer resource_metadata=\"")
                .append(metadataUrl)
                .append('"');
        appendScope(value, scopes.base());
        if (error != null) {
            value.append(", error=\"").append(error).append('"');
            value.append(", error_description=\"").append(quotable(description)).append('"');
        }
        return value.toString();
    }

    /** 403 {@code insufficient_scope}: the step-up a client answers by asking the issuer for {@code needed}. */
    public String insufficientScope(Collection<String> needed, String description) {
        StringBuilder value = new StringBuilder("Bearer error=\"insufficient_scope\"");
        appendScope(value, needed);
        value.append(", resource_metadata=\"").append(metadataUrl).append('"');
        value.append(", error_description=\"").append(quotable(description)).append('"');
        return value.toString();
    }

    private static void appendScope(StringBuilder value, Collection<String> needed) {
        if (!needed.isEmpty()) {
            value.append(", scope=\"").append(String.join(" ", needed)).append('"');
        }
    }

    /** RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E — no quote, no backslash. */
    private static String quotable(String text) {
        return text.replaceAll("[^\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]", "?");
    }
}
