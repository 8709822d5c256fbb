package io.mcpguard.core.tools;

import io.mcpguard.core.bitbucket.BitbucketClient;
import java.util.ArrayList;
import java.util.List;

/**
 * All tools of the server and the switch that decides which exist. A tool that is switched off is not registered
 * at all, so {@code tools/list} does not show it and {@code tools/call} answers it as an unknown tool: there is no
 * second check that could drift from the first.
 */
public final class ToolCatalog {
    private ToolCatalog() {}

    public static List<ToolDefinition> all(BitbucketClient bitbucket) {
        List<ToolDefinition> all = new ArrayList<>();
        all.addAll(new ReadTools(bitbucket).definitions());
        all.addAll(new WriteTools(bitbucket).definitions());
        all.addAll(new DangerousTools(bitbucket).definitions());
        return List.copyOf(all);
    }

    public static List<ToolDefinition> enabled(BitbucketClient bitbucket, boolean writes, boolean dangerous) {
        return all(bitbucket).stream()
                .filter(t -> switch (t.access()) {
                    case READ -> true;
                    case WRITE -> writes;
                    case DANGEROUS -> dangerous;
                })
                .toList();
    }
}
