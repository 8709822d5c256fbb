package io.mcpguard.proxy.auth;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Makes a new API key: {@code java -cp proxy.jar io.mcpguard.proxy.auth.ApiKeyTool <id> <owner> [role,…]}.
 * Prints the key once (give it to the service account) and the entry to add to {@code auth.api-keys.file}, which
 * holds only its hash.
 */
public final class ApiKeyTool {
    private ApiKeyTool() {}

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: ApiKeyTool <id> <owner> [role,role...]");
            System.exit(2);
        }
        String[] made = ApiKeyStore.newKey(args[0]);
        String roles = args.length > 2 ? args[2] : "";
        System.err.println("key (shown once; store it in the client's secret store): ");
        System.out.println(made[0]);
        System.err.println();
        System.err.println("entry for the API key file:");
        System.err.println("  - id: " + args[0]);
        System.err.println("    owner: " + args[1]);
        System.err.println("    sha256: " + made[1]);
        System.err.println("    roles: [" + roles + "]");
        System.err.println("    scopes: []");
        System.err.println("    created: " + Instant.now().truncatedTo(ChronoUnit.SECONDS));
        System.err.println(
                "    expires: " + Instant.now().plus(90, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS));
    }
}
