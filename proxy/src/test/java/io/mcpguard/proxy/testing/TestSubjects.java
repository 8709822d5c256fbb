package io.mcpguard.proxy.testing;

import io.mcpguard.proxy.policy.Subject;
import io.mcpguard.proxy.policy.SubjectResolver;
import java.util.List;

/**
 * Subjects tests put in front of the policy when they exercise something other than identity. A test-side
 * construction only: the proxy itself gets subjects from its identity stage, and no client can choose one.
 */
public final class TestSubjects {
    private TestSubjects() {}

    /** An authenticated client that may read workspace {@code acme}: what most end-to-end tests need. */
    public static final Subject ACME_VIEWER = new Subject(
            "test-client", true, "api_key", List.of("viewer@acme/*"), List.of(), null, List.of(), null, null, null);

    public static final SubjectResolver ACME_VIEWERS = (ctx, request) -> ACME_VIEWER;
}
