package dev.vlmesh.infer.jobs;

import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.JobEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Publishes job events to the job-events topic. Keyed by job id, so one job's events stay in order. */
public final class EventPublisher {

    private final Producer<String, byte[]> producer;
    private final EventCodec codec;
    private final String topic;

    public EventPublisher(Producer<String, byte[]> producer, EventCodec codec, String topic) {
        this.producer = producer;
        this.codec = codec;
        this.topic = topic;
    }

    /** Sends without waiting; the future completes when the broker acknowledged the event. */
    public CompletableFuture<RecordMetadata> send(JobEvent event) {
        CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
        producer.send(codec.record(topic, event), (md, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(md);
            }
        });
        return f;
    }

    /** Sends and waits for the broker's acknowledgement. */
    public RecordMetadata sendAndWait(JobEvent event) throws InterruptedException, PublishException {
        return await(send(event));
    }

    public static RecordMetadata await(CompletableFuture<RecordMetadata> f)
            throws InterruptedException, PublishException {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new PublishException("could not publish a job event: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new PublishException("no broker acknowledgement for a job event within 60 s", e);
        }
    }

    /** The broker did not take an event; the job's record is not committed and will be redelivered. */
    public static final class PublishException extends Exception {
        public PublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
