package dev.vlmesh.infer.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.events.ConsumerGroups;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.JobFailed;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.KafkaSettings;
import dev.vlmesh.events.UnreadableRecordException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * The worker's side of the jobs topic: one consumer of the shared group, one poll thread. Every polled record is
 * registered with the {@link OffsetTracker} and becomes a {@link JobTask} (or a dead letter when it cannot be
 * read); offsets are committed from this thread as tasks finish, lowest unfinished first. Consumption pauses while
 * the local queue is full, so records wait in Kafka, not in memory. Partitions are handed over cooperatively: a
 * revoked partition's jobs are aborted (no terminal event) before the revocation completes, so its next owner is
 * the only one to finish them.
 */
public final class JobConsumer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(JobConsumer.class);
    private static final Duration ABORT_WAIT = Duration.ofSeconds(30);

    private final JobContext ctx;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final Map<TopicPartition, Set<JobTask>> tasks = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean assigned;
    private volatile Throwable failure;

    public JobConsumer(JobContext ctx, String topic, String namespace) {
        this.ctx = ctx;
        this.topic = topic;
        Properties p = KafkaSettings.consumer(ctx.settings().kafkaBootstrap(), ConsumerGroups.inferWorkers(namespace),
                "infer-" + ctx.settings().workerId());
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(ctx.settings().queueCapacity()));
        int session = ctx.settings().sessionTimeoutMs();
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(session));
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Integer.toString(Math.max(100, session / 4)));
        this.consumer = new KafkaConsumer<>(p);
        this.thread = Thread.ofPlatform().name("job-consumer").start(this::loop);
    }

    private void loop() {
        try {
            consumer.subscribe(List.of(topic), new Rebalance());
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (!records.isEmpty()) {
                    accept(records);
                }
                commit();
                flowControl();
                measureLag();
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            failure = t;
            LOG.errorf(t, "job consumer stopped");
        } finally {
            shutdown();
        }
    }

    private void accept(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            ctx.tracker().register(tp, r.offset());
            JobSubmitted job;
            try {
                job = EventCodec.decode(r.headers(), r.value(), JobSubmitted.class);
            } catch (UnreadableRecordException e) {
                try {
                    unreadable(r, e.getMessage());
                    ctx.tracker().finish(tp, r.offset());
                } catch (RuntimeException dlq) {
                    // not finished: the commit stops before this record, which is read again after a restart
                    LOG.errorf(dlq, "could not dead-letter %s-%d@%d", r.topic(), r.partition(), r.offset());
                }
                continue;
            }
            JobTask task = new JobTask(ctx, r, job, this::ended);
            tasks.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(task);
            ctx.scheduler().submit(task);
        }
    }

    /** Dead-letters the record; if its body still names a job and tenant, that job gets a failed event too. */
    private void unreadable(ConsumerRecord<byte[], byte[]> r, String reason) throws InterruptedException {
        LOG.warnf("unreadable record %s-%d@%d: %s", r.topic(), r.partition(), r.offset(), reason);
        ctx.deadLetters().deadLetter(r, ErrorCodes.UNREADABLE_RECORD, reason);
        ctx.metrics().outcome("dead_lettered");
        String jobId = null;
        String tenantId = null;
        try {
            JsonNode n = EventCodec.json().readTree(r.value());
            if (n != null && n.path("jobId").isTextual() && n.path("tenantId").isTextual()) {
                jobId = n.get("jobId").asText();
                tenantId = n.get("tenantId").asText();
            }
        } catch (Exception ignored) {
            // not JSON: there is no job to fail, the dead letter is all
        }
        if (jobId != null && !jobId.isBlank() && !tenantId.isBlank() && !ctx.index().isTerminal(jobId)) {
            try {
                ctx.publisher().sendAndWait(JobFailed.of(jobId, tenantId, 1, ErrorCodes.UNREADABLE_RECORD,
                        "the submitted record could not be read: " + reason, ctx.settings().workerId()));
            } catch (EventPublisher.PublishException e) {
                LOG.warnf("could not publish the failed event for unreadable job %s: %s", jobId, e.getMessage());
            }
        }
    }

    private void ended(JobTask task) {
        Set<JobTask> set = tasks.get(task.partition());
        if (set != null) {
            set.remove(task);
        }
    }

    private void commit() {
        Map<TopicPartition, OffsetAndMetadata> offsets = ctx.tracker().committable();
        offsets.keySet().retainAll(consumer.assignment());
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets, Duration.ofSeconds(10));
            ctx.tracker().committed(offsets);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            // a rebalance in progress or a broker hiccup: the same offsets (or later ones) are committed next loop
            LOG.warnf("commit of %s failed, will retry: %s", offsets, e.getMessage());
        }
    }

    private void flowControl() {
        Set<TopicPartition> assignment = consumer.assignment();
        if (ctx.scheduler().queued() >= ctx.settings().queueCapacity()) {
            consumer.pause(assignment);
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
    }

    private void measureLag() {
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            lag += consumer.currentLag(tp).orElse(0);
        }
        ctx.metrics().lag(lag + ctx.scheduler().queued());
    }

    private void abortAll(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            Set<JobTask> set = tasks.remove(tp);
            if (set == null) {
                continue;
            }
            ctx.scheduler().remove(w -> w instanceof JobTask t && t.partition().equals(tp));
            for (JobTask t : set) {
                try {
                    t.abort(ABORT_WAIT);
                    ctx.metrics().outcome("aborted");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assigned = true;
            if (!partitions.isEmpty()) {
                LOG.infof("assigned %s", partitions);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            LOG.infof("revoked %s: stopping their jobs and committing what finished", partitions);
            abortAll(partitions);
            Map<TopicPartition, OffsetAndMetadata> offsets = ctx.tracker().committable();
            offsets.keySet().retainAll(partitions);
            try {
                if (!offsets.isEmpty()) {
                    consumer.commitSync(offsets, Duration.ofSeconds(10));
                }
            } catch (RuntimeException e) {
                LOG.warnf("commit on revocation failed: %s", e.getMessage());
            }
            partitions.forEach(ctx.tracker()::forget);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            LOG.warnf("lost %s (session expired): stopping their jobs", partitions);
            abortAll(partitions);
            partitions.forEach(ctx.tracker()::forget);
        }
    }

    /** Whether the consumer runs and has joined its group. */
    public boolean healthy() {
        return failure == null && thread.isAlive();
    }

    public boolean joined() {
        return assigned;
    }

    /** Stops taking records; running jobs get {@code grace} to finish, then are aborted; commits what finished. */
    private void shutdown() {
        long deadline = System.nanoTime() + Duration.ofMillis(ctx.settings().shutdownGraceMs()).toNanos();
        try {
            consumer.pause(consumer.assignment());
            ctx.scheduler().remove(w -> w instanceof JobTask);
            while (ctx.scheduler().running() > 0 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(50)); // keeps the group membership alive while jobs finish
                commit();
            }
            abortAll(List.copyOf(tasks.keySet()));
            commit();
        } catch (RuntimeException e) {
            LOG.warnf("while stopping the job consumer: %s", e.getMessage());
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(ctx.settings().shutdownGraceMs() + 45_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
