package dev.vlmesh.results;

import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.GenerationOptions;
import dev.vlmesh.events.JobCompleted;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobFailed;
import dev.vlmesh.events.JobStarted;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.SegmentCompleted;
import dev.vlmesh.events.Task;
import dev.vlmesh.events.Timings;
import dev.vlmesh.events.TokenDelta;
import dev.vlmesh.events.Topics;
import dev.vlmesh.events.Usage;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Produces job events on the real broker the way ingest (JobSubmitted) and infer (the rest) will, so the tests
 * exercise results-service against the event contract. Every send waits for the broker's acknowledgement.
 */
public final class Publisher implements AutoCloseable {

    private static final EventCodec CODEC = new EventCodec("/vlmesh/test");

    private final KafkaProducer<String, byte[]> producer;
    private final Topics topics;

    public Publisher(KafkaProducer<String, byte[]> producer, Topics topics) {
        this.producer = producer;
        this.topics = topics;
    }

    public JobEvent send(JobEvent e) {
        String topic = e instanceof JobSubmitted ? topics.jobsSubmitted() : topics.jobEvents();
        try {
            producer.send(CODEC.record(topic, e)).get(15, TimeUnit.SECONDS);
            return e;
        } catch (InterruptedException | ExecutionException | TimeoutException ex) {
            throw new IllegalStateException("broker did not take " + e, ex);
        }
    }

    public JobSubmitted submit(String jobId, String tenant, Task task, String prompt, String batchId,
                               String customId, String callbackUrl) {
        MediaRef media = new MediaRef(MediaRef.Kind.image, "vlmesh-media", "media/sha256/ab/" + "ab".repeat(32),
                "ab".repeat(32), 1234, "png", 64, 48, null, null);
        return (JobSubmitted) send(JobSubmitted.of(jobId, tenant, batchId, customId, task, prompt, List.of(media),
                GenerationOptions.defaults(), "internvl3-demo", null, 0, callbackUrl));
    }

    public void started(String jobId, String tenant, int attempt) {
        send(JobStarted.of(jobId, tenant, "worker-1", "internvl3-demo", "v1", attempt));
    }

    public TokenDelta delta(String jobId, String tenant, int attempt, long seq, String text) {
        return (TokenDelta) send(TokenDelta.of(jobId, tenant, attempt, seq, text, 1, null));
    }

    public void segment(String jobId, String tenant, int attempt, int segment, String text) {
        send(SegmentCompleted.of(jobId, tenant, attempt, segment, segment * 2.0, segment * 2.0 + 2, text));
    }

    public JobCompleted completed(String jobId, String tenant, int attempt, String text, String finishReason) {
        return (JobCompleted) send(JobCompleted.of(jobId, tenant, attempt, text, finishReason,
                new Usage(300, 256, 12), new Timings(5, 1, 2, 30, 40, 50, 80, 130), "internvl3-demo", "v1",
                "worker-1"));
    }

    public JobFailed failed(String jobId, String tenant, int attempt, String code, String reason) {
        return (JobFailed) send(JobFailed.of(jobId, tenant, attempt, code, reason, "worker-1"));
    }

    /** A whole successful job whose answer arrives as the given deltas. */
    public void wholeJob(String jobId, String tenant, String batchId, String customId, String... deltas) {
        submit(jobId, tenant, Task.DESCRIBE, null, batchId, customId, null);
        started(jobId, tenant, 1);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < deltas.length; i++) {
            delta(jobId, tenant, 1, i, deltas[i]);
            text.append(deltas[i]);
        }
        completed(jobId, tenant, 1, text.toString(), "stop");
    }

    @Override
    public void close() {
        producer.close();
    }
}
