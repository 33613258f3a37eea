package dev.vlmesh.results.state;

import dev.vlmesh.events.DeadLetters;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.UnreadableRecordException;
import dev.vlmesh.events.VlmeshEvent;
import dev.vlmesh.results.webhook.WebhookOutbox;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Folds every job event of one partition (submitted topic + job-events topic, co-partitioned by job id) into the
 * state stores, then tells the live listeners. Runs on the stream thread; one instance per task.
 */
final class JobProcessor implements Processor<String, byte[], String, byte[]> {

    private static final Logger LOG = Logger.getLogger(JobProcessor.class);
    private static final byte[] SEEN = {1};

    private final String eventsTopic;
    private final String group;
    private final Consumer<StreamEvent> listeners;
    private final WebhookOutbox outbox;

    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> jobs;
    private KeyValueStore<String, byte[]> events;
    private KeyValueStore<String, byte[]> eventIds;
    private KeyValueStore<String, byte[]> index;
    private KeyValueStore<String, byte[]> webhooks;

    JobProcessor(String eventsTopic, String group, Consumer<StreamEvent> listeners, WebhookOutbox outbox) {
        this.eventsTopic = eventsTopic;
        this.group = group;
        this.listeners = listeners;
        this.outbox = outbox;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.jobs = context.getStateStore(StoreKeys.JOBS);
        this.events = context.getStateStore(StoreKeys.JOB_EVENTS);
        this.eventIds = context.getStateStore(StoreKeys.EVENT_IDS);
        this.index = context.getStateStore(StoreKeys.JOB_INDEX);
        this.webhooks = context.getStateStore(StoreKeys.WEBHOOKS);
        outbox.schedule(context, context.taskId().partition(), webhooks, jobs);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        JobEvent event;
        try {
            VlmeshEvent decoded = EventCodec.decode(record.headers(), record.value());
            if (!(decoded instanceof JobEvent j)) {
                deadLetter(record, meta, ErrorCodes.UNREADABLE_RECORD, "not a job event: " + decoded.type().ceType());
                return;
            }
            event = j;
        } catch (UnreadableRecordException e) {
            deadLetter(record, meta, ErrorCodes.UNREADABLE_RECORD, e.getMessage());
            return;
        }
        boolean fromEventsTopic = meta.topic().equals(eventsTopic);
        if (fromEventsTopic == (event instanceof JobSubmitted)) {
            deadLetter(record, meta, ErrorCodes.UNREADABLE_RECORD, event.type().ceType() + " on the wrong topic");
            return;
        }
        if (!StoreKeys.safeId(event.jobId()) || !StoreKeys.safeId(event.tenantId())) {
            deadLetter(record, meta, ErrorCodes.UNREADABLE_RECORD, "job or tenant id with unsafe characters");
            return;
        }
        try {
            apply(event, record, meta);
        } catch (RuntimeException e) {
            // a bug must not stop the partition: park the record with the reason, keep going
            LOG.errorf(e, "could not fold %s of job %s", event.type().ceType(), event.jobId());
            deadLetter(record, meta, ErrorCodes.INTERNAL, String.valueOf(e));
        }
    }

    private void apply(JobEvent event, Record<String, byte[]> record, RecordMetadata meta) {
        String idKey = StoreKeys.eventId(event.jobId(), event.eventId());
        if (eventIds.get(idKey) != null) {
            LOG.debugf("duplicate event %s of job %s ignored", event.eventId(), event.jobId());
            return;
        }
        JobState before = StoreJson.read(jobs.get(event.jobId()), JobState.class);
        Instant createdBefore = before == null ? null : before.createdAt;
        String batchBefore = before == null ? null : before.batchId;
        JobFold.Outcome outcome = JobFold.apply(before, event);
        if (outcome.isIgnored()) {
            if (outcome.ignoredReason().startsWith("tenant mismatch")) {
                deadLetter(record, meta, ErrorCodes.UNREADABLE_RECORD, outcome.ignoredReason());
            } else {
                LOG.debugf("job %s: %s", event.jobId(), outcome.ignoredReason());
            }
            return;
        }
        JobState s = outcome.state();
        StreamEvent streamEvent = outcome.event();
        if (streamEvent.seq() > 0) {
            events.put(StoreKeys.event(s.jobId, streamEvent.seq()), StoreJson.write(streamEvent));
        }
        reindex(s, createdBefore, batchBefore);
        if (s.status.terminal()) {
            outbox.enqueueIfDue(s, webhooks);
            forgetEventIds(s.jobId);
        } else {
            eventIds.put(idKey, SEEN);
        }
        if (s.status.terminal() && before != null && !before.status.terminal()) {
            LOG.debugf("job %s ended: %s", s.jobId, s.status);
        }
        jobs.put(s.jobId, StoreJson.write(s));
        listeners.accept(streamEvent);
    }

    /** The job's place in the tenant and batch listings, which are ordered by creation time. */
    private void reindex(JobState s, Instant createdBefore, String batchBefore) {
        if (createdBefore != null && !createdBefore.equals(s.createdAt)) {
            index.delete(StoreKeys.tenantPrefix(s.tenantId) + StoreKeys.position(createdBefore, s.jobId));
            if (batchBefore != null) {
                index.delete(StoreKeys.batchPrefix(s.tenantId, batchBefore) + StoreKeys.position(createdBefore,
                        s.jobId));
            }
        }
        byte[] id = s.jobId.getBytes(StandardCharsets.UTF_8);
        index.put(StoreKeys.tenantPrefix(s.tenantId) + StoreKeys.position(s.createdAt, s.jobId), id);
        if (s.batchId != null && StoreKeys.safeId(s.batchId)) {
            index.put(StoreKeys.batchPrefix(s.tenantId, s.batchId) + StoreKeys.position(s.createdAt, s.jobId), id);
        }
    }

    /**
     * Once a job has ended, every later event is ignored by the fold anyway; its duplicate filter is no longer
     * needed, which keeps that store bounded by the number of running jobs.
     */
    private void forgetEventIds(String jobId) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = eventIds.prefixScan(StoreKeys.eventsOf(jobId),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                keys.add(kv.key);
            }
        }
        keys.forEach(eventIds::delete);
    }

    private void deadLetter(Record<String, byte[]> record, RecordMetadata meta, String code, String reason) {
        LOG.warnf("dead-lettering record %s-%d@%d: %s", meta.topic(), meta.partition(), meta.offset(), reason);
        Headers h = new RecordHeaders(record.headers().toArray());
        put(h, DeadLetters.REASON, reason == null ? "unknown" : reason);
        put(h, DeadLetters.CODE, code);
        put(h, DeadLetters.ORIGINAL_TOPIC, meta.topic());
        put(h, DeadLetters.ORIGINAL_PARTITION, Integer.toString(meta.partition()));
        put(h, DeadLetters.ORIGINAL_OFFSET, Long.toString(meta.offset()));
        put(h, DeadLetters.CONSUMER_GROUP, group);
        put(h, DeadLetters.DEAD_AT, Instant.now().toString());
        context.forward(record.withHeaders(h), JobTopology.DEAD_LETTERS);
    }

    private static void put(Headers h, String name, String value) {
        h.remove(name);
        h.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
