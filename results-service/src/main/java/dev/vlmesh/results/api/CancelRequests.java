package dev.vlmesh.results.api;

import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.JobCancelRequested;
import dev.vlmesh.events.KafkaSettings;
import dev.vlmesh.events.Topics;
import dev.vlmesh.events.quarkus.Problem;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Publishes {@link JobCancelRequested} on the control topic, which every infer worker reads. */
@ApplicationScoped
public class CancelRequests {

    private static final EventCodec CODEC = new EventCodec("/vlmesh/results-service");

    @Inject
    Topics topics;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    private Producer<String, byte[]> producer;

    private synchronized Producer<String, byte[]> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(KafkaSettings.producer(bootstrap, "results-service-control"));
        }
        return producer;
    }

    /** Returns once the broker has the request. */
    public JobCancelRequested request(String jobId, String tenant, String reason) {
        JobCancelRequested e = JobCancelRequested.of(jobId, tenant, reason);
        try {
            producer().send(CODEC.record(topics.jobControl(), e)).get(15, TimeUnit.SECONDS);
            return e;
        } catch (ExecutionException | TimeoutException ex) {
            throw new Problem.ProblemException(Problem.of(503, "broker-unavailable", "Cancel not recorded",
                    "The event broker did not acknowledge the cancel request; retry."));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(5));
        }
    }
}
