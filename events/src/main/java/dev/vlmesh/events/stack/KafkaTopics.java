package dev.vlmesh.events.stack;

import dev.vlmesh.events.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the project's topics with their explicit partition counts; idempotent. */
public final class KafkaTopics {

    private KafkaTopics() {
    }

    public static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "vlmesh-stack-admin");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        return Admin.create(p);
    }

    public static void ensure(Admin admin, Topics topics) throws InterruptedException, ExecutionException {
        Set<String> existing = admin.listTopics().names().get();
        List<NewTopic> missing = new ArrayList<>();
        for (Topics.Spec spec : topics.specs()) {
            if (!existing.contains(spec.name())) {
                NewTopic t = new NewTopic(spec.name(), spec.partitions(), (short) 1);
                if (spec.name().equals(topics.jobEvents()) || spec.name().equals(topics.deadLetter())) {
                    // job history and dead letters are read back long after they are written
                    t.configs(Map.of("retention.ms", Long.toString(Duration.ofDays(7).toMillis())));
                }
                missing.add(t);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        try {
            admin.createTopics(missing).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }
}
