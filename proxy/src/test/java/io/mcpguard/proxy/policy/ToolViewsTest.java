package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The tools a subject last saw in a session: what a tools/list answer on another stream is cut to. */
class ToolViewsTest {
    @Test
    void a_view_belongs_to_one_subject_in_one_session_and_without_one_every_tool_is_hidden() {
        ToolViews views = new ToolViews(10);
        views.remember("s-1", "alice", Set.of("read", "search"));
        views.remember(null, "alice", Set.of("read"));

        assertThat(views.lastView("s-1", "alice")).containsExactlyInAnyOrder("read", "search");
        assertThat(views.lastView("s-1", "bob"))
                .as("another subject in the same session")
                .isEmpty();
        assertThat(views.lastView("s-2", "alice"))
                .as("the same subject in another session")
                .isEmpty();
        assertThat(views.lastView(null, "alice"))
                .as("a sessionless client has a view of its own")
                .containsExactly("read");

        views.remember("s-1", "alice", Set.of("read"));
        assertThat(views.lastView("s-1", "alice"))
                .as("the latest listing replaces the view")
                .containsExactly("read");
    }
}
