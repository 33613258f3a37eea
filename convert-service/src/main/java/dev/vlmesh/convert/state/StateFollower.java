package dev.vlmesh.convert.state;

import dev.vlmesh.events.CheckpointEvent;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.KafkaSettings;
import dev.vlmesh.events.UnreadableRecordException;
import dev.vlmesh.events.VlmeshEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Rebuilds and follows conversion state from the checkpoint topics: every request and every progress, ready and
 * failed event, read from the beginning by every instance (no consumer group; nothing is committed), so a restarted
 * service — or another instance — answers {@code GET /v1/checkpoints/{id}} for conversions it did not run.
 * Unreadable records are skipped here (the request consumer dead-letters them).
 */
public final class StateFollower implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StateFollower.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<String> topics;
    private final ConversionRegistry registry;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean stopping;
    private volatile boolean healthy = true;

    public StateFollower(String bootstrap, String clientId, List<String> topics, ConversionRegistry registry) {
        this.consumer = new KafkaConsumer<>(KafkaSettings.consumer(bootstrap, "unused-" + UUID.randomUUID(),
                clientId));
        this.topics = topics;
        this.registry = registry;
        this.thread = Thread.ofPlatform().name("state-follower").daemon().start(this::loop);
    }

    /** Waits until everything on the topics when the follower started has been applied. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
    }

    public boolean healthy() {
        return healthy && thread.isAlive();
    }

    private void loop() {
        try {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : topics) {
                for (PartitionInfo p : consumer.partitionsFor(t, Duration.ofSeconds(30))) {
                    parts.add(new TopicPartition(t, p.partition()));
                }
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            while (!stopping) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        VlmeshEvent e = EventCodec.decode(r.headers(), r.value());
                        if (e instanceof CheckpointEvent c) {
                            registry.apply(c);
                        }
                    } catch (UnreadableRecordException ignored) {
                        // dead-lettered by the request consumer; nothing to learn from it here
                    }
                }
                if (caughtUp.getCount() > 0 && end.entrySet().stream()
                        .allMatch(x -> consumer.position(x.getKey()) >= x.getValue())) {
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            healthy = false;
            LOG.error("state follower stopped", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() {
        stopping = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
