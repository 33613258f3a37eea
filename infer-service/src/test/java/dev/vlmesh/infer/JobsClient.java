package dev.vlmesh.infer;

import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.GenerationOptions;
import dev.vlmesh.events.JobCancelRequested;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.Task;
import dev.vlmesh.events.TokenDelta;
import dev.vlmesh.events.UnreadableRecordException;
import dev.vlmesh.testing.TestStack;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;

/** What ingest and results would do around the worker: store media, submit jobs, cancel, read job events. */
public final class JobsClient implements AutoCloseable {

    private final TestStack stack;
    private final KafkaProducer<String, byte[]> producer;
    private final EventCodec codec = TestStack.codec();

    public JobsClient(TestStack stack) {
        this.stack = stack;
        this.producer = stack.producer();
    }

    /** Puts the file in the media bucket under its content address, as ingest does. */
    public MediaRef upload(Path file) throws Exception {
        byte[] data = Files.readAllBytes(file);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        String key = StoreLayout.mediaKey(sha);
        stack.s3().putObject(PutObjectArgs.builder().bucket(stack.layout().mediaBucket()).object(key)
                .stream(new ByteArrayInputStream(data), data.length, -1).build());
        String name = file.getFileName().toString();
        String format = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT).replace("jpg", "jpeg");
        return new MediaRef(MediaRef.Kind.image, stack.layout().mediaBucket(), key, sha, data.length, format, 0, 0,
                null, null);
    }

    public JobSubmitted job(String prompt, List<MediaRef> media, int maxNewTokens, Integer maxTiles) {
        return JobSubmitted.of(dev.vlmesh.events.Ids.newJobId(), "demo", null, null, Task.DESCRIBE, prompt, media,
                new GenerationOptions(maxNewTokens, maxTiles, null, 0.0, null, null, null, null, null, null),
                null, null, 0, null);
    }

    /** The same request as a new job naming {@code model} (as ingest fills it in) and a pinned version or null. */
    public static JobSubmitted naming(JobSubmitted j, String model, String modelVersion) {
        return JobSubmitted.of(dev.vlmesh.events.Ids.newJobId(), j.tenantId(), j.batchId(), j.customId(), j.task(),
                j.prompt(), j.media(), j.options(), model, modelVersion, j.priority(), j.callbackUrl());
    }

    public JobSubmitted submit(JobSubmitted job) throws Exception {
        producer.send(codec.record(stack.topics().jobsSubmitted(), job)).get();
        return job;
    }

    public void cancel(String jobId) throws Exception {
        producer.send(codec.record(stack.topics().jobControl(), JobCancelRequested.of(jobId, "demo", "test")))
                .get();
    }

    /** Sends bytes as a jobs-topic record, with the given CloudEvents type header (null: no headers). */
    public void submitRaw(String key, byte[] value, String ceType) throws Exception {
        var r = new org.apache.kafka.clients.producer.ProducerRecord<String, byte[]>(stack.topics().jobsSubmitted(),
                key, value);
        if (ceType != null) {
            r.headers().add("ce_type", ceType.getBytes(StandardCharsets.UTF_8));
        }
        producer.send(r).get();
    }

    /** Every event of the job now on the job-events topic, in order. */
    public List<JobEvent> events(String jobId) {
        List<JobEvent> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : stack.readAll(stack.topics().jobEvents())) {
            if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(jobId)) {
                out.add(decode(r));
            }
        }
        return out;
    }

    /** Waits for the job's terminal event and returns all its events up to then. */
    public List<JobEvent> awaitTerminal(String jobId, Duration timeout) {
        stack.await(stack.topics().jobEvents(), r -> r.key() != null
                && new String(r.key(), StandardCharsets.UTF_8).equals(jobId) && decode(r).terminal(), 1, timeout);
        return events(jobId);
    }

    /** Waits until the job has streamed at least one delta. */
    public TokenDelta awaitFirstDelta(String jobId, Duration timeout) {
        return (TokenDelta) decode(stack.await(stack.topics().jobEvents(), r -> r.key() != null
                && new String(r.key(), StandardCharsets.UTF_8).equals(jobId) && decode(r) instanceof TokenDelta, 1,
                timeout).getFirst());
    }

    public static JobEvent decode(ConsumerRecord<byte[], byte[]> r) {
        try {
            return EventCodec.decode(r.headers(), r.value(), JobEvent.class);
        } catch (UnreadableRecordException e) {
            throw new AssertionError("unreadable job event: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
