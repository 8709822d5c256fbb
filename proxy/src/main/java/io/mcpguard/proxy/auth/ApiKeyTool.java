package io.mcpguard.proxy.auth;

import java.io.PrintStream;
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
        int status = run(args, System.out, System.err, Instant.now());
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Writes the key to {@code out} and the key file to {@code err}; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err, Instant when) {
        if (args.length < 2) {
            err.println("usage: ApiKeyTool <id> <owner> [role,role...]   (key on stdout, file entry on stderr)");
            return 2;
        }
        String[] made = ApiKeyStore.newKey(args[0]);
        String roles = args.length > 2 ? args[2] : "";
        Instant now = when.truncatedTo(ChronoUnit.SECONDS);
        out.println(made[0]);
        // A whole key file with one entry, so a script can use it as it is; a person appends the entry.
        err.println("# the key itself went to stdout and is not stored anywhere; this is all the proxy keeps");
        err.println("keys:");
        err.println("  - id: " + args[0]);
        err.println("    owner: " + args[1]);
        err.println("    sha256: \"" + made[1] + "\"");
        err.println("    roles: [" + roles + "]");
        err.println("    scopes: []");
        err.println("    created: " + now);
        err.println("    expires: " + now.plus(90, ChronoUnit.DAYS));
        return 0;
    }
}
