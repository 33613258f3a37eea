package dev.vlmesh.infer.jobs;

import dev.vlmesh.events.CloudEventHeaders;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.EventType;
import dev.vlmesh.events.JobStarted;
import dev.vlmesh.events.KafkaSettings;
import dev.vlmesh.events.UnreadableRecordException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * What the job-events topic says about every job: whether it already has a terminal event (then a redelivered
 * submission is skipped) and the highest attempt started so far (a retry or a takeover continues the count). Built
 * by reading the whole topic at start and kept current by a reader thread; a worker asks {@link #awaitCaughtUp}
 * with end offsets taken after it received a job, so a terminal event acknowledged before the job reached this
 * worker is always seen. Terminal jobs are kept as 64-bit hashes of their ids (8 bytes each).
 */
public final class TerminalIndex implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TerminalIndex.class);
    private static final String TERMINAL_COMPLETED = EventType.JOB_COMPLETED.ceType();
    private static final String TERMINAL_FAILED = EventType.JOB_FAILED.ceType();
    private static final String STARTED = EventType.JOB_STARTED.ceType();

    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Admin admin;
    private final Thread thread;
    private final LongHashSet terminal = new LongHashSet();
    private final Map<String, Integer> attempts = new HashMap<>();
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private final List<TopicPartition> partitions;
    private volatile boolean running = true;
    private volatile Throwable failure;

    public TerminalIndex(String bootstrap, String topic, Admin admin, String clientId) {
        this.topic = topic;
        this.admin = admin;
        Properties p = KafkaSettings.consumer(bootstrap, "unused-" + UUID.randomUUID(), clientId);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned partitions, no group, nothing committed
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        this.consumer = new KafkaConsumer<>(p);
        this.partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(topic, i.partition())).toList();
        if (partitions.isEmpty()) {
            consumer.close();
            throw new IllegalStateException("topic " + topic + " does not exist (create the topics first)");
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = Thread.ofPlatform().name("terminal-index").daemon().start(this::run);
    }

    private void run() {
        try {
            while (running) {
                var records = consumer.poll(Duration.ofMillis(200));
                synchronized (this) {
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        apply(r);
                    }
                    for (TopicPartition tp : partitions) {
                        positions.put(tp, consumer.position(tp));
                    }
                    notifyAll();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            failure = t;
            LOG.errorf(t, "terminal index reader stopped");
            synchronized (this) {
                notifyAll();
            }
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        String type = CloudEventHeaders.read(r.headers(), CloudEventHeaders.TYPE);
        if (type == null || r.key() == null) {
            return;
        }
        String jobId = new String(r.key(), StandardCharsets.UTF_8);
        if (type.equals(TERMINAL_COMPLETED) || type.equals(TERMINAL_FAILED)) {
            terminal.add(hash(jobId));
            attempts.remove(jobId);
        } else if (type.equals(STARTED) && !terminal.contains(hash(jobId))) {
            try {
                JobStarted s = EventCodec.decode(r.headers(), r.value(), JobStarted.class);
                attempts.merge(jobId, s.attempt(), Math::max);
            } catch (UnreadableRecordException e) {
                LOG.debugf("ignoring unreadable job-started record at %s-%d@%d: %s", r.topic(), r.partition(),
                        r.offset(), e.getMessage());
            }
        }
    }

    /** End offsets of the job-events topic now (read-committed). */
    public Map<TopicPartition, Long> endOffsets() throws InterruptedException, TimeoutException {
        var request = partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
        Map<TopicPartition, org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo> result;
        try {
            result = admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                    .get(20, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("could not read the end offsets of " + topic + ": " + e.getCause(),
                    e.getCause());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        result.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** Waits until the reader has read up to {@code target} on every partition. */
    public synchronized void awaitCaughtUp(Map<TopicPartition, Long> target, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!caughtUp(target)) {
            if (failure != null) {
                throw new IllegalStateException("terminal index reader failed", failure);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("job-events reader did not reach " + target + " within " + timeout
                        + " (at " + positions + ")");
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    private boolean caughtUp(Map<TopicPartition, Long> target) {
        for (var e : target.entrySet()) {
            Long at = positions.get(e.getKey());
            if (at == null || at < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    public synchronized boolean isTerminal(String jobId) {
        return terminal.contains(hash(jobId));
    }

    /** Highest attempt started for a job without a terminal event, 0 if none. */
    public synchronized int lastAttempt(String jobId) {
        return attempts.getOrDefault(jobId, 0);
    }

    public synchronized int terminalJobs() {
        return terminal.size();
    }

    public boolean healthy() {
        return failure == null && thread.isAlive();
    }

    public String topic() {
        return topic;
    }

    static long hash(String jobId) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(jobId.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
