package dev.vlmesh.convert.jobs;

import dev.vlmesh.events.CheckpointRefreshRequested;
import dev.vlmesh.events.DeadLetterRouter;
import dev.vlmesh.events.KafkaSettings;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Reads refresh requests (keyed by model, so all requests of a model share a partition) and runs them one at a time
 * per partition — hence one conversion per model at a time, the others queued behind it in order. Partitions are
 * paused while they have work so the consumer keeps polling (and stays in its group) however long a conversion
 * takes; a request's offset is committed only after its outcome is published, so a request interrupted by a crash
 * or shutdown is delivered again and resumes from its work folder. At most {@code maxConcurrent} conversions run at
 * once across partitions. Unreadable records go to the dead-letter topic.
 */
public final class RequestConsumer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RequestConsumer.class);

    /** Runs one request to its published outcome; throws InterruptedException when stopped midway. */
    @FunctionalInterface
    public interface Handler {
        void handle(CheckpointRefreshRequested request) throws InterruptedException;
    }

    private record Done(TopicPartition partition, long nextOffset, boolean finished) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final DeadLetterRouter deadLetters;
    private final Handler handler;
    private final ExecutorService workers;
    private final Map<TopicPartition, Queue<ConsumerRecord<byte[], byte[]>>> pending = new HashMap<>();
    private final Map<TopicPartition, Future<?>> running = new HashMap<>();
    private final Queue<Done> done = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile boolean healthy = true;
    private volatile String lastError;

    public RequestConsumer(String bootstrap, String group, String clientId, String topic, int sessionTimeoutMs,
                           int maxConcurrent, DeadLetterRouter deadLetters, Handler handler) {
        Properties p = KafkaSettings.consumer(bootstrap, group, clientId);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(sessionTimeoutMs));
        this.consumer = new KafkaConsumer<>(p);
        this.topic = topic;
        this.deadLetters = deadLetters;
        this.handler = handler;
        this.workers = Executors.newFixedThreadPool(maxConcurrent, Thread.ofPlatform().name("conversion-", 0)
                .factory());
        this.thread = Thread.ofPlatform().name("refresh-consumer").start(this::loop);
    }

    public boolean healthy() {
        return healthy && thread.isAlive();
    }

    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    private void loop() {
        try {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                    // queued records go back to the group; running ones finish here, their commit may then fail
                    parts.forEach(pending::remove);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                    consumer.resume(parts);
                }
            });
            while (!stopping) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    pending.computeIfAbsent(tp, k -> new ArrayDeque<>()).add(r);
                }
                settle();
                dispatch();
            }
        } catch (WakeupException e) {
            if (!stopping) {
                healthy = false;
                lastError = "consumer woken up unexpectedly";
            }
        } catch (RuntimeException e) {
            healthy = false;
            lastError = e.toString();
            LOG.error("refresh consumer stopped", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Commits finished requests and frees their partitions. */
    private void settle() {
        Done d;
        while ((d = done.poll()) != null) {
            running.remove(d.partition());
            if (d.finished()) {
                try {
                    consumer.commitSync(Map.of(d.partition(), new OffsetAndMetadata(d.nextOffset())));
                } catch (CommitFailedException e) {
                    LOG.warnf("commit of %s@%d failed after a rebalance; the request may run again (same version)",
                            d.partition(), d.nextOffset() - 1);
                }
            } else {
                // interrupted: leave it uncommitted and go back to it after a restart
                pending.remove(d.partition());
                consumer.seek(d.partition(), d.nextOffset() - 1);
            }
        }
    }

    /** Starts the next request of every idle partition; pauses partitions that have work. */
    private void dispatch() throws InterruptedException {
        for (Map.Entry<TopicPartition, Queue<ConsumerRecord<byte[], byte[]>>> e : pending.entrySet()) {
            TopicPartition tp = e.getKey();
            if (running.containsKey(tp)) {
                continue;
            }
            ConsumerRecord<byte[], byte[]> r;
            while ((r = e.getValue().poll()) != null) {
                Optional<CheckpointRefreshRequested> req = deadLetters.decode(r, CheckpointRefreshRequested.class);
                if (req.isPresent()) {
                    ConsumerRecord<byte[], byte[]> rec = r;
                    running.put(tp, workers.submit(() -> run(tp, rec, req.get())));
                    break;
                }
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(r.offset() + 1)));
            }
        }
        for (TopicPartition tp : consumer.assignment()) {
            boolean busy = running.containsKey(tp) || !pending.getOrDefault(tp, new ArrayDeque<>()).isEmpty();
            if (busy) {
                consumer.pause(List.of(tp));
            } else {
                consumer.resume(List.of(tp));
            }
        }
    }

    private void run(TopicPartition tp, ConsumerRecord<byte[], byte[]> r, CheckpointRefreshRequested req) {
        boolean finished = false;
        try {
            handler.handle(req);
            finished = true;
        } catch (InterruptedException e) {
            LOG.infof("conversion %s interrupted; it resumes when its request is delivered again", req.conversionId());
        } catch (RuntimeException e) {
            // the handler publishes outcomes itself; reaching here means even that failed (e.g. broker gone)
            LOG.errorf(e, "conversion %s could not publish its outcome", req.conversionId());
            lastError = e.toString();
        } finally {
            done.add(new Done(tp, r.offset() + 1, finished)); // settled by the consumer thread at its next poll
        }
    }

    @Override
    public void close() {
        stopping = true;
        workers.shutdownNow();
        try {
            workers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.wakeup();
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
