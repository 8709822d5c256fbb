package io.mcpguard.proxy.forward;

/**
 * A list result whose items the policy filters by name: which request asks for it, which member of the result holds
 * the items, and which member of an item names it.
 */
public enum ListKind {
    PROMPTS("prompts/list", "prompts", "name"),
    RESOURCES("resources/list", "resources", "uri"),
    RESOURCE_TEMPLATES("resources/templates/list", "resourceTemplates", "uriTemplate");

    private final String method;
    private final String member;
    private final String key;

    ListKind(String method, String member, String key) {
        this.method = method;
        this.member = member;
        this.key = key;
    }

    /** The list that {@code method} asks for, or null when it asks for none of these. */
    public static ListKind of(String method) {
        for (ListKind kind : values()) {
            if (kind.method.equals(method)) {
                return kind;
            }
        }
        return null;
    }

    /** The result member that holds the items ({@code prompts}, {@code resources}, {@code resourceTemplates}). */
    String member() {
        return member;
    }

    /** The item member the policy's patterns are matched against ({@code name}, {@code uri}, {@code uriTemplate}). */
    String key() {
        return key;
    }
}
