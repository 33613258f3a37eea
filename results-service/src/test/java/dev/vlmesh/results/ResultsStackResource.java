package dev.vlmesh.results;

import dev.vlmesh.events.stack.KafkaTopics;
import dev.vlmesh.testing.LocalStack;
import dev.vlmesh.testing.LocalStackResource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * The local-stack test resource plus what results-service leaves behind on the broker: its Kafka Streams internal
 * topics (changelogs) are named after the namespace and deleted with it.
 */
public class ResultsStackResource extends LocalStackResource {

    private String namespace;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        namespace = config.get("vlmesh.namespace");
        // a state folder of its own, so that no test class sees another's RocksDB files
        config.put("vlmesh.results.data-dir", "target/results-state/" + namespace);
        return config;
    }

    @Override
    public void stop() {
        deleteInternalTopics(namespace);
        super.stop();
    }

    /** Deletes the changelog topics of every results instance of {@code namespace}. */
    public static void deleteInternalTopics(String namespace) {
        if (namespace == null) {
            return;
        }
        try (Admin admin = KafkaTopics.admin(LocalStack.settings().kafkaBootstrap())) {
            List<String> internal = admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith("vlmesh.results-") && t.contains("." + namespace + "-"))
                    .toList();
            if (!internal.isEmpty()) {
                admin.deleteTopics(internal).all().get();
            }
        } catch (Exception ignored) {
            // leftovers cost only disk on a test broker
        }
    }
}
