package io.mcpguard.proxy.auth;

import io.mcpguard.proxy.policy.Subject;
import java.util.Set;

/**
 * A verified caller: the {@link Subject} the policy sees, plus the OAuth scopes its credential was granted (which
 * the proxy checks itself, before the policy).
 *
 * @param subject who, as the policy input carries it
 * @param scopes the scopes granted to the credential
 */
public record Identity(Subject subject, Set<String> scopes) {
    public static final Identity ANONYMOUS = new Identity(Subject.ANONYMOUS, Set.of());

    public Identity {
        scopes = Set.copyOf(scopes);
    }

    /**
     * What a session is bound to: the credential kind and the subject id, so an API key owner and a token subject
     * with the same name stay apart. Two keys of one owner (a rotation overlap) share it.
     */
    public String bindingKey() {
        return subject.authMethod() + ":" + subject.id();
    }
}
