package io.mcpguard.proxy.budget;

import io.mcpguard.proxy.policy.Subject;

/**
 * Whose budget a request draws from: an authenticated subject's own (by credential kind and id, so the API-key owner
 * and the token subject with the same name stay apart), else its client address — the only thing known of an
 * anonymous caller, so one anonymous host cannot use up another's.
 */
public final class BudgetKeys {
    private BudgetKeys() {}

    public static String of(Subject subject, String clientAddress) {
        if (subject != null && subject.authenticated()) {
            return "subject:" + subject.authMethod() + ":" + subject.id();
        }
        return "address:" + clientAddress;
    }
}
