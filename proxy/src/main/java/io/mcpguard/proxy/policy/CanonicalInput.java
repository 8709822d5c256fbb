package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;

/**
 * The cache key of a policy input: SHA-256 over its JSON with object members sorted by name at every level, so two
 * inputs that differ only in member order share a key and any other difference gives another key.
 *
 * <p>{@code request.id} is left out: it only correlates a request with its answer, and the contract forbids a
 * decision to depend on it. Every other member counts, subject and arguments included.
 */
final class CanonicalInput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CanonicalInput() {}

    static String key(ObjectNode input) {
        ObjectNode copy = input.deepCopy();
        if (copy.get("request") instanceof ObjectNode request) {
            request.remove("id");
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(sha.digest(JSON.writeValueAsBytes(sorted(copy))));
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot hash a policy input", e);
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            names.sort(null);
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            names.forEach(name -> out.set(name, sorted(node.get(name))));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            node.forEach(item -> out.add(sorted(item)));
            return out;
        }
        return node;
    }
}
