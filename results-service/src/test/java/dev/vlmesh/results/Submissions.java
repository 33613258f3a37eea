package dev.vlmesh.results;

import dev.vlmesh.events.CloudEventHeaders;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.KafkaSettings;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Watches the submitted topic the way an infer worker would, so a test can answer the jobs that ingest accepted:
 * every {@link JobSubmitted} that ingest-service publishes from now on, in arrival order.
 */
final class Submissions implements AutoCloseable {

    static final String SOURCE = "/vlmesh/ingest-service";

    private final BlockingQueue<JobSubmitted> seen = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile boolean running = true;

    Submissions(String bootstrap, String topic) {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaSettings.consumer(bootstrap,
                "test-submissions-" + UUID.randomUUID(), "test-submissions"));
        List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        c.assign(parts);
        c.seekToEnd(parts);
        parts.forEach(c::position); // pin "from now on" before the first submission
        reader = Thread.ofPlatform().daemon().name("test-submissions").start(() -> {
            try (c) {
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        // only what ingest accepted; the tests also publish submissions of their own
                        if (!SOURCE.equals(CloudEventHeaders.read(r.headers(), CloudEventHeaders.SOURCE))) {
                            continue;
                        }
                        try {
                            seen.add(EventCodec.decode(r.headers(), r.value(), JobSubmitted.class));
                        } catch (Exception e) {
                            throw new IllegalStateException("unreadable submission on " + topic, e);
                        }
                    }
                }
            }
        });
    }

    /** The next job submitted, waiting up to {@code seconds}. */
    JobSubmitted next(int seconds) throws InterruptedException {
        JobSubmitted j = seen.poll(seconds, TimeUnit.SECONDS);
        if (j == null) {
            throw new AssertionError("no job was submitted within " + seconds + " s");
        }
        return j;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        reader.join(5000);
    }
}
