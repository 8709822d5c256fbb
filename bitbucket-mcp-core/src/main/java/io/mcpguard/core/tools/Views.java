package io.mcpguard.core.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.function.Function;

/**
 * Trimmed views of Bitbucket objects: the fields a person or a model acts on, without the link farms and avatars
 * that make raw Bitbucket JSON several times larger.
 */
final class Views {
    private Views() {}

    static ObjectNode object() {
        return ToolResults.JSON.createObjectNode();
    }

    /**
     * A page of results: {@code values}, the page number, and {@code next_page} when Bitbucket has more (taken from its
     * {@code next} link, so it works whether Bitbucket numbers pages or not).
     */
    static ObjectNode page(JsonNode bitbucketPage, int page, int limit, Function<JsonNode, JsonNode> view) {
        ObjectNode out = object();
        ArrayNode values = out.putArray("values");
        bitbucketPage.path("values").forEach(v -> values.add(view.apply(v)));
        out.put("page", page);
        out.put("limit", limit);
        if (bitbucketPage.has("size"))
            out.put("total", bitbucketPage.path("size").asInt());
        String next = bitbucketPage.path("next").asText(null);
        if (next != null) {
            Integer nextPage = pageOf(next);
            out.put("next_page", nextPage == null ? page + 1 : nextPage);
            out.put("hint", "more results: call again with page=" + (nextPage == null ? page + 1 : nextPage));
        } else {
            out.putNull("next_page");
        }
        return out;
    }

    private static Integer pageOf(String url) {
        String query = URI.create(url).getRawQuery();
        if (query == null) return null;
        for (String pair : query.split("&")) {
            if (pair.startsWith("page=") && pair.substring(5).matches("\\d+")) {
                return Integer.parseInt(pair.substring(5));
            }
        }
        return null;
    }

    static JsonNode workspaceAccess(JsonNode access) {
        JsonNode ws = access.has("workspace") ? access.path("workspace") : access;
        return object().put("slug", ws.path("slug").asText())
                .put("name", ws.path("name").asText())
                .put("uuid", ws.path("uuid").asText())
                .put("administrator", access.path("administrator").asBoolean(false));
    }

    static JsonNode repository(JsonNode r) {
        return object().put("full_name", r.path("full_name").asText())
                .put("slug", r.path("slug").asText())
                .put("name", r.path("name").asText())
                .put("description", r.path("description").asText(""))
                .put("language", r.path("language").asText(""))
                .put("is_private", r.path("is_private").asBoolean())
                .put("main_branch", r.path("mainbranch").path("name").asText(null))
                .put("updated_on", r.path("updated_on").asText(null))
                .put("uuid", r.path("uuid").asText())
                .put("url", r.path("links").path("html").path("href").asText(null));
    }

    static JsonNode branch(JsonNode b) {
        JsonNode target = b.path("target");
        ObjectNode out = object().put("name", b.path("name").asText());
        out.putObject("head")
                .put("hash", target.path("hash").asText())
                .put("date", target.path("date").asText(null))
                .put("author", target.path("author").path("raw").asText(null))
                .put("message", firstLine(target.path("message").asText("")));
        return out;
    }

    static JsonNode commit(JsonNode c) {
        ObjectNode out = object().put("hash", c.path("hash").asText())
                .put("date", c.path("date").asText(null))
                .put("author", c.path("author").path("raw").asText(null))
                .put("message", c.path("message").asText("").strip());
        ArrayNode parents = out.putArray("parents");
        c.path("parents").forEach(p -> parents.add(p.path("hash").asText()));
        return out;
    }

    static JsonNode pullRequestSummary(JsonNode p) {
        return object().put("id", p.path("id").asLong())
                .put("title", p.path("title").asText())
                .put("state", p.path("state").asText())
                .put("draft", p.path("draft").asBoolean(false))
                .put("author", p.path("author").path("display_name").asText(null))
                .put(
                        "source_branch",
                        p.path("source").path("branch").path("name").asText(null))
                .put(
                        "destination_branch",
                        p.path("destination").path("branch").path("name").asText(null))
                .put("comment_count", p.path("comment_count").asInt())
                .put("created_on", p.path("created_on").asText(null))
                .put("updated_on", p.path("updated_on").asText(null))
                .put("url", p.path("links").path("html").path("href").asText(null));
    }

    static JsonNode pullRequest(JsonNode p) {
        ObjectNode out = (ObjectNode) pullRequestSummary(p);
        out.put("description", p.path("description").asText(""));
        out.put("source_commit", p.path("source").path("commit").path("hash").asText(null));
        out.put(
                "destination_commit",
                p.path("destination").path("commit").path("hash").asText(null));
        out.put("close_source_branch", p.path("close_source_branch").asBoolean(false));
        out.put("merge_commit", p.path("merge_commit").path("hash").asText(null));
        out.put("closed_by", p.path("closed_by").path("display_name").asText(null));
        ArrayNode reviewers = out.putArray("reviewers");
        p.path("reviewers")
                .forEach(r -> reviewers.add(
                        object().put("display_name", r.path("display_name").asText())
                                .put("account_id", r.path("account_id").asText(null))
                                .put("uuid", r.path("uuid").asText(null))));
        ArrayNode participants = out.putArray("participants");
        p.path("participants")
                .forEach(r -> participants.add(object().put(
                                "display_name",
                                r.path("user").path("display_name").asText())
                        .put("role", r.path("role").asText())
                        .put("approved", r.path("approved").asBoolean())
                        .put("state", r.path("state").asText(null))));
        return out;
    }

    static JsonNode comment(JsonNode c) {
        ObjectNode out = object().put("id", c.path("id").asLong())
                .put("author", c.path("user").path("display_name").asText(null))
                .put("created_on", c.path("created_on").asText(null))
                .put("text", c.path("content").path("raw").asText(""));
        if (c.path("parent").has("id"))
            out.put("parent_id", c.path("parent").path("id").asLong());
        if (c.path("inline").isObject()) {
            JsonNode inline = c.path("inline");
            ObjectNode i =
                    out.putObject("inline").put("path", inline.path("path").asText());
            if (inline.path("to").isNumber()) i.put("to", inline.path("to").asInt());
            if (inline.path("from").isNumber())
                i.put("from", inline.path("from").asInt());
        }
        if (c.path("deleted").asBoolean(false)) out.put("deleted", true);
        return out;
    }

    static JsonNode treeEntry(JsonNode e) {
        ObjectNode out = object().put("path", e.path("path").asText())
                .put("type", e.path("type").asText().equals("commit_directory") ? "directory" : "file");
        if (e.has("size")) out.put("size", e.path("size").asLong());
        return out;
    }

    static JsonNode searchResult(JsonNode r) {
        JsonNode file = r.path("file");
        ObjectNode out = object().put("path", file.path("path").asText());
        String self = file.path("links").path("self").path("href").asText("");
        int at = self.indexOf("/repositories/");
        if (at >= 0) {
            String[] parts = self.substring(at + "/repositories/".length()).split("/");
            if (parts.length >= 2) out.put("repository", parts[0] + "/" + parts[1]);
        }
        out.put("commit", file.path("commit").path("hash").asText(null));
        out.put("match_count", r.path("content_match_count").asInt());
        ArrayNode matches = out.putArray("matches");
        for (JsonNode m : r.path("content_matches")) {
            for (JsonNode line : m.path("lines")) {
                StringBuilder text = new StringBuilder();
                line.path("segments").forEach(s -> text.append(s.path("text").asText()));
                matches.add(object().put("line", line.path("line").asInt()).put("text", text.toString()));
            }
        }
        return out;
    }

    static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }
}
