package dev.vlmesh.infer.cancel;

import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.JobCancelRequested;
import dev.vlmesh.events.KafkaSettings;
import dev.vlmesh.events.UnreadableRecordException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Reads the whole control topic (every worker reads all of it: assigned partitions, no consumer group), starting a
 * look-back window before now so that a cancel sent while this worker was starting still counts.
 */
public final class ControlListener implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ControlListener.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final CancelRegistry registry;
    private final Thread thread;
    private volatile boolean running = true;

    public ControlListener(String bootstrap, String topic, String clientId, long lookbackMs, CancelRegistry registry) {
        this.registry = registry;
        Properties p = KafkaSettings.consumer(bootstrap, "unused-" + UUID.randomUUID(), clientId);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(p);
        List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(topic, i.partition())).toList();
        if (parts.isEmpty()) {
            consumer.close();
            throw new IllegalStateException("topic " + topic + " does not exist (create the topics first)");
        }
        consumer.assign(parts);
        Map<TopicPartition, Long> since = new HashMap<>();
        long from = System.currentTimeMillis() - lookbackMs;
        parts.forEach(tp -> since.put(tp, from));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(since, Duration.ofSeconds(30));
        Map<TopicPartition, Long> ends = consumer.endOffsets(parts, Duration.ofSeconds(30));
        for (TopicPartition tp : parts) {
            OffsetAndTimestamp o = found.get(tp);
            consumer.seek(tp, o == null ? ends.get(tp) : o.offset());
        }
        this.thread = Thread.ofPlatform().name("control-listener").daemon().start(this::run);
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        JobCancelRequested c = EventCodec.decode(r.headers(), r.value(), JobCancelRequested.class);
                        LOG.infof("cancel requested for %s (%s)", c.jobId(), c.reason());
                        registry.cancel(c.jobId());
                    } catch (UnreadableRecordException e) {
                        // the control topic is not ours to dead-letter; other readers may know the event
                        LOG.debugf("ignoring control record %d: %s", r.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            LOG.errorf(t, "control listener stopped");
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    public boolean healthy() {
        return thread.isAlive();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
