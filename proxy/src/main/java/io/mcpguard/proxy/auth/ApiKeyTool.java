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
            System.err.println("usage: ApiKeyTool <id> <owner> [role,role...]   (key on stdout, file entry on stderr)");
            System.exit(2);
        }
        String[] made = ApiKeyStore.newKey(args[0]);
        String roles = args.length > 2 ? args[2] : "";
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        System.out.println(made[0]);
        // A whole key file with one entry, so a script can use it as it is; a person appends the entry.
        System.err.println("# the key itself went to stdout and is not stored anywhere; this is all the proxy keeps");
        System.err.println("keys:");
        System.err.println("  - id: " + args[0]);
        System.err.println("    owner: " + args[1]);
        System.err.println("    sha256: \"" + made[1] + "\"");
        System.err.println("    roles: [" + roles + "]");
        System.err.println("    scopes: []");
        System.err.println("    created: " + now);
        System.err.println("    expires: " + now.plus(90, ChronoUnit.DAYS));
    }
}
