package dev.vlmesh.ingest.tenants;

import dev.vlmesh.events.CloudEventHeaders;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.EventType;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.KafkaSettings;
import dev.vlmesh.events.Topics;
import dev.vlmesh.events.UnreadableRecordException;
import dev.vlmesh.ingest.IngestConfig;
import dev.vlmesh.ingest.api.Problems;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Counts each tenant's unfinished jobs for the queued-job cap: jobs submitted (read back from the submitted topic,
 * plus those this instance just had acknowledged) minus jobs with a terminal event ({@code JobCompleted} or
 * {@code JobFailed}) on the job-events topic.
 *
 * <p>Kafka is the source of truth, so the count needs no state of its own: every instance reads both topics (all
 * partitions, no consumer group offsets) from {@code queuedJobTtl} ago on start, and so agrees with the others and
 * survives restarts. A job that never ends (a lost worker) stops counting after {@code queuedJobTtl}. Memory is one
 * small entry per job submitted within that window. A submission counts at once on this instance (before the read-back
 * arrives), and reservations are taken before media are stored, so concurrent requests cannot overshoot the cap on
 * one instance; across instances the overshoot is bounded by the read-back lag (milliseconds).
 */
@ApplicationScoped
public class JobLedger {
    private static final Logger LOG = Logger.getLogger(JobLedger.class);
    /** Finished jobs are remembered this long, so an idempotent retry can tell its job already reached Kafka. */
    private static final Duration FINISHED_RETENTION = Duration.ofMinutes(10);

    @Inject
    IngestConfig config;

    @Inject
    Topics topics;

    @Inject
    @Named("vlmesh.namespace")
    String namespace;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    private static final class Entry {
        final String tenant;
        final Instant submittedAt;
        boolean local;
        boolean onTopic;
        boolean terminal;
        Instant terminalAt;

        Entry(String tenant, Instant submittedAt) {
            this.tenant = tenant;
            this.submittedAt = submittedAt;
        }

        boolean counts() {
            return (local || onTopic) && !terminal;
        }
    }

    private final Map<String, Entry> jobs = new HashMap<>();
    private final Map<String, Integer> open = new HashMap<>();
    private final Map<String, Integer> reserved = new HashMap<>();
    private volatile boolean caughtUp;
    private volatile boolean running;
    private volatile String lastError;
    private Thread thread;
    private KafkaConsumer<byte[], byte[]> consumer;

    void start(@Observes StartupEvent ev) {
        running = true;
        thread = Thread.ofPlatform().name("ingest-job-ledger").daemon().start(this::run);
    }

    void stop(@Observes ShutdownEvent ev) {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    public String lastError() {
        return lastError;
    }

    /** A reservation of cap room, taken before the expensive part of a submission. */
    public final class Reservation implements AutoCloseable {
        private final String tenant;
        private int count;

        private Reservation(String tenant, int count) {
            this.tenant = tenant;
            this.count = count;
        }

        /** One reserved job was acknowledged by Kafka: it now counts as submitted. */
        public void submitted(String jobId) {
            synchronized (JobLedger.this) {
                if (count > 0) {
                    count--;
                    reserved.merge(tenant, -1, Integer::sum);
                }
                submittedLocally(tenant, jobId);
            }
        }

        @Override
        public void close() {
            synchronized (JobLedger.this) {
                if (count > 0) {
                    reserved.merge(tenant, -count, Integer::sum);
                    count = 0;
                }
            }
        }
    }

    /** Reserves room for {@code n} jobs or throws a 429 problem. */
    public synchronized Reservation reserve(String tenant, int n) {
        int max = config.tenants().maxQueuedJobs();
        int now = open.getOrDefault(tenant, 0) + reserved.getOrDefault(tenant, 0);
        if (now + n > max) {
            throw Problems.queueFull("this tenant has " + now + " unfinished jobs; the cap is " + max
                    + (n > 1 ? " (this request adds " + n + ")" : "") + ": retry when some have finished", 10);
        }
        reserved.merge(tenant, n, Integer::sum);
        return new Reservation(tenant, n);
    }

    public synchronized int trackedJobs() {
        return jobs.size();
    }

    public synchronized int openJobs(String tenant) {
        return open.getOrDefault(tenant, 0);
    }

    /** Whether the job's submission has been read back from the topic (it reached Kafka). */
    public synchronized boolean seenOnTopic(String jobId) {
        Entry e = jobs.get(jobId);
        return e != null && e.onTopic;
    }

    private synchronized void submittedLocally(String tenant, String jobId) {
        Entry e = jobs.computeIfAbsent(jobId, id -> new Entry(tenant, Instant.now()));
        boolean before = e.counts();
        e.local = true;
        adjust(e, before);
    }

    private synchronized void submittedOnTopic(String tenant, String jobId, Instant time) {
        Entry e = jobs.computeIfAbsent(jobId, id -> new Entry(tenant, time));
        boolean before = e.counts();
        e.onTopic = true;
        adjust(e, before);
    }

    private synchronized void finished(String tenant, String jobId, Instant time) {
        Entry e = jobs.computeIfAbsent(jobId, id -> new Entry(tenant, time));
        boolean before = e.counts();
        e.terminal = true;
        e.terminalAt = time;
        adjust(e, before);
    }

    private void adjust(Entry e, boolean before) {
        boolean after = e.counts();
        if (before != after) {
            open.merge(e.tenant, after ? 1 : -1, Integer::sum);
        }
    }

    private synchronized void prune(Instant now) {
        Instant openCutoff = now.minus(config.tenants().queuedJobTtl());
        Instant finishedCutoff = now.minus(FINISHED_RETENTION);
        var it = jobs.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            boolean expired = e.terminal
                    ? (e.onTopic && e.terminalAt.isBefore(finishedCutoff)) || e.terminalAt.isBefore(openCutoff)
                    : e.submittedAt.isBefore(openCutoff);
            if (expired) {
                if (e.counts()) {
                    open.merge(e.tenant, -1, Integer::sum);
                }
                it.remove();
            }
        }
    }

    private void run() {
        long backoffMs = 500;
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaSettings.consumer(bootstrap,
                    "vlmesh.ingest-ledger." + config.instanceId() + (namespace.isBlank() ? "" : "." + namespace),
                    "vlmesh-ingest-ledger-" + config.instanceId()))) {
                consumer = c;
                Map<TopicPartition, Long> target = position(c);
                Instant lastPrune = Instant.now();
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                        handle(r);
                    }
                    if (!caughtUp && target.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                        caughtUp = true;
                        LOG.infof("job ledger caught up: %d jobs in the counting window", trackedJobs());
                    }
                    if (Duration.between(lastPrune, Instant.now()).toSeconds() >= 30) {
                        prune(Instant.now());
                        lastPrune = Instant.now();
                    }
                    lastError = null;
                    backoffMs = 500;
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                lastError = e.toString();
                LOG.warnf("job ledger: %s; reconnecting in %d ms", e, backoffMs);
                try {
                    Thread.sleep(backoffMs); // back off before reconnecting; nothing to wait on but time
                } catch (InterruptedException ie) {
                    return;
                }
                backoffMs = Math.min(backoffMs * 2, 30_000);
            } finally {
                consumer = null;
            }
        }
    }

    /** Assigns every partition of both topics, from the start of the counting window; returns the end offsets. */
    private Map<TopicPartition, Long> position(KafkaConsumer<byte[], byte[]> c) {
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : List.of(topics.jobsSubmitted(), topics.jobEvents())) {
            c.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> parts.add(new TopicPartition(topic,
                    p.partition())));
        }
        c.assign(parts);
        long from = Instant.now().minus(config.tenants().queuedJobTtl()).toEpochMilli();
        Map<TopicPartition, Long> query = new HashMap<>();
        parts.forEach(p -> query.put(p, from));
        Map<TopicPartition, OffsetAndTimestamp> starts = c.offsetsForTimes(query, Duration.ofSeconds(30));
        Map<TopicPartition, Long> ends = c.endOffsets(parts, Duration.ofSeconds(30));
        for (TopicPartition p : parts) {
            OffsetAndTimestamp s = starts.get(p);
            c.seek(p, s == null ? ends.get(p) : s.offset());
        }
        return ends;
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        String type = CloudEventHeaders.read(r.headers(), CloudEventHeaders.TYPE);
        boolean submitted = EventType.JOB_SUBMITTED.ceType().equals(type);
        boolean terminal = EventType.JOB_COMPLETED.ceType().equals(type) || EventType.JOB_FAILED.ceType().equals(type);
        if (!submitted && !terminal) {
            return; // token deltas and the like: not decoded at all
        }
        try {
            JobEvent e = EventCodec.decode(r.headers(), r.value(), JobEvent.class);
            if (submitted) {
                submittedOnTopic(e.tenantId(), e.jobId(), e.time());
            } else {
                finished(e.tenantId(), e.jobId(), e.time());
            }
        } catch (UnreadableRecordException e) {
            // another consumer group owns dead-lettering; the ledger just does not count it
            LOG.debugf("ledger skips unreadable record %s-%d@%d: %s", r.topic(), r.partition(), r.offset(),
                    e.getMessage());
        }
    }
}
