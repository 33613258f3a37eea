package dev.vlmesh.ingest.idempotency;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Answers stored before the public API went snake_case (JobAccepted and BatchAccepted written in camelCase) are
 * replayed with the names a fresh answer has, so a client retrying across the upgrade sees one convention. Every
 * member name in those bodies is a property name (they hold no maps keyed by data), so renaming every key is exact.
 */
final class StoredResponses {
    private static final PropertyNamingStrategies.SnakeCaseStrategy SNAKE =
            new PropertyNamingStrategies.SnakeCaseStrategy();

    private StoredResponses() {
    }

    /** The same tree with every object member renamed as the response types name them; null stays null. */
    static JsonNode snakeCase(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                out.set(SNAKE.translate(e.getKey()), snakeCase(e.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode(node.size());
            node.forEach(v -> out.add(snakeCase(v)));
            return out;
        }
        return node;
    }
}
