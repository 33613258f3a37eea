package dev.vlmesh.testing;

import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.KafkaSettings;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.Topics;
import dev.vlmesh.events.stack.KafkaTopics;
import dev.vlmesh.events.stack.ObjectStores;
import dev.vlmesh.events.stack.StackSettings;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.RemoveBucketArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.messages.Item;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;

/**
 * One test class's private slice of the local stack: its own topics and buckets (a random namespace), and clients
 * to reach them.
 */
public final class TestStack implements AutoCloseable {

    private final StackSettings settings;
    private final String namespace;
    private final Topics topics;
    private final StoreLayout layout;
    private final MinioClient s3;

    private TestStack(StackSettings settings, String namespace) {
        this.settings = settings;
        this.namespace = namespace;
        this.topics = Topics.withNamespace(namespace);
        this.layout = StoreLayout.withNamespace(namespace);
        this.s3 = ObjectStores.client(settings);
    }

    /** Starts the stack if needed and creates a fresh namespace named after {@code owner}. */
    public static TestStack create(String owner) {
        StackSettings settings = LocalStack.ensureRunning();
        String base = owner.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        String ns = "t" + (base.length() > 20 ? base.substring(0, 20) : base) + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        TestStack stack = new TestStack(settings, ns);
        try {
            try (Admin admin = KafkaTopics.admin(settings.kafkaBootstrap())) {
                KafkaTopics.ensure(admin, stack.topics);
            }
            ObjectStores.ensureBucket(stack.s3, stack.layout.mediaBucket());
            ObjectStores.ensureBucket(stack.s3, stack.layout.checkpointBucket());
        } catch (Exception e) {
            throw new IllegalStateException("could not create test namespace " + ns, e);
        }
        return stack;
    }

    public StackSettings settings() {
        return settings;
    }

    public String namespace() {
        return namespace;
    }

    public Topics topics() {
        return topics;
    }

    public StoreLayout layout() {
        return layout;
    }

    public MinioClient s3() {
        return s3;
    }

    /** Quarkus configuration that points a service at this namespace. */
    public Map<String, String> quarkusConfig() {
        Map<String, String> c = new HashMap<>();
        c.put("kafka.bootstrap.servers", settings.kafkaBootstrap());
        c.put("vlmesh.namespace", namespace);
        c.put("vlmesh.s3.endpoint", settings.s3Endpoint());
        c.put("vlmesh.s3.access-key", settings.s3AccessKey());
        c.put("vlmesh.s3.secret-key", settings.s3SecretKey());
        c.put("vlmesh.s3.region", settings.s3Region());
        return c;
    }

    public KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(KafkaSettings.producer(settings.kafkaBootstrap(), "test-" + namespace));
    }

    public KafkaProducer<byte[], byte[]> rawProducer() {
        return new KafkaProducer<>(KafkaSettings.rawProducer(settings.kafkaBootstrap(), "test-raw-" + namespace));
    }

    /** A consumer assigned to every partition of {@code topic} from the beginning (no group coordination). */
    public KafkaConsumer<byte[], byte[]> reader(String topic) {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaSettings.consumer(settings.kafkaBootstrap(),
                "test-reader-" + UUID.randomUUID(), "test-reader-" + namespace));
        List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }

    /**
     * Reads {@code topic} from the beginning until {@code count} records match, or fails after {@code timeout}.
     */
    public List<ConsumerRecord<byte[], byte[]>> await(String topic, Predicate<ConsumerRecord<byte[], byte[]>> match,
                                                      int count, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> c = reader(topic)) {
            while (found.size() < count) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("expected " + count + " matching records on " + topic + " within "
                            + timeout + ", found " + found.size());
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (match.test(r)) {
                        found.add(r);
                    }
                }
            }
        }
        return found;
    }

    /** All records currently on {@code topic}: reads until the end offsets seen at the start. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = reader(topic)) {
            Map<TopicPartition, Long> end = c.endOffsets(c.assignment());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end within 30 s");
                }
                c.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        return all;
    }

    public static EventCodec codec() {
        return new EventCodec("/vlmesh/test");
    }

    /** Deletes the namespace's topics and buckets; best effort, the data is throwaway. */
    @Override
    public void close() {
        try (Admin admin = KafkaTopics.admin(settings.kafkaBootstrap())) {
            admin.deleteTopics(topics.specs().stream().map(Topics.Spec::name).toList()).all().get();
        } catch (Exception ignored) {
            // a leftover topic costs nothing but disk in a test broker
        }
        for (String bucket : List.of(layout.mediaBucket(), layout.checkpointBucket())) {
            try {
                for (Result<Item> r : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
                    s3.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(r.get().objectName()).build());
                }
                s3.removeBucket(RemoveBucketArgs.builder().bucket(bucket).build());
            } catch (Exception ignored) {
                // same as above
            }
        }
    }
}
