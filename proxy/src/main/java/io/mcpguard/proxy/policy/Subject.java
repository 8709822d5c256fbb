package io.mcpguard.proxy.policy;

import java.time.Instant;
import java.util.List;

/**
 * Who sent a message, as far as the proxy could verify. Immutable; produced by the identity stage, anonymous until
 * a credential is verified.
 *
 * @param id stable subject id ({@code sub} of a token, the owner of an API key), {@code anonymous} when none
 * @param authenticated whether a credential was verified
 * @param authMethod how: {@code none}, {@code jwt}, {@code api_key} or {@code mtls} (a client certificate)
 * @param roles roles the subject holds (after mapping identity-provider groups to roles)
 * @param groups identity-provider groups, as the token named them
 * @param tenant the tenant the subject acts in, or null
 * @param amr authentication methods references (RFC 8176), e.g. {@code pwd}, {@code otp}, {@code mfa}
 * @param acr authentication context class reference, or null
 * @param authTime when the subject last authenticated interactively, or null
 * @param clientId the OAuth client the subject acts through, or null
 */
public record Subject(
        String id,
        boolean authenticated,
        String authMethod,
        List<String> roles,
        List<String> groups,
        String tenant,
        List<String> amr,
        String acr,
        Instant authTime,
        String clientId) {

    public static final Subject ANONYMOUS =
            new Subject("anonymous", false, "none", List.of(), List.of(), null, List.of(), null, null, null);

    public Subject {
        roles = List.copyOf(roles);
        groups = List.copyOf(groups);
        amr = List.copyOf(amr);
    }
}
