package io.mcpguard.proxy.policy;

import java.util.List;

/**
 * Who sent a message, as far as the proxy knows. Immutable; the identity stage will produce authenticated ones.
 *
 * @param id stable subject id, {@code anonymous} when unauthenticated
 * @param authenticated whether a credential was verified
 * @param authMethod how: {@code none}, later {@code jwt} or {@code api_key}
 * @param roles roles the subject holds
 * @param groups identity-provider groups
 */
public record Subject(String id, boolean authenticated, String authMethod, List<String> roles, List<String> groups) {
    public static final Subject ANONYMOUS = new Subject("anonymous", false, "none", List.of(), List.of());

    public Subject {
        roles = List.copyOf(roles);
        groups = List.copyOf(groups);
    }
}
