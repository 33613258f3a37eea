package dev.vlmesh.ingest.jobs;

import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.KafkaSettings;
import dev.vlmesh.events.Topics;
import dev.vlmesh.ingest.IngestConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Publishes {@link JobSubmitted} and waits for the broker's acknowledgement (idempotent producer, acks=all, from
 * {@link KafkaSettings}): a job exists only once this returns. Batches go through a transactional producer so that a
 * batch's jobs become visible to read_committed consumers together or not at all.
 */
@ApplicationScoped
public class SubmissionProducer {
    private static final Logger LOG = Logger.getLogger(SubmissionProducer.class);

    @Inject
    IngestConfig config;

    @Inject
    Topics topics;

    @Inject
    @Named("vlmesh.namespace")
    String namespace;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String defaultBootstrap;

    private final EventCodec codec = new EventCodec("/vlmesh/ingest-service");
    private volatile KafkaProducer<String, byte[]> producer;
    private KafkaProducer<String, byte[]> transactional;
    private boolean transactionsReady;

    private KafkaProducer<String, byte[]> producer() {
        KafkaProducer<String, byte[]> p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = new KafkaProducer<>(properties("jobs"));
                }
                p = producer;
            }
        }
        return p;
    }

    /** Sends one job event and returns once the broker acknowledged it. */
    public void send(JobSubmitted event) {
        var k = config.kafka();
        try {
            producer().send(codec.record(topics.jobsSubmitted(), event))
                    .get(k.maxBlockMs() + k.deliveryTimeoutMs() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw unavailable(e.getCause());
        } catch (TimeoutException | KafkaException e) {
            throw unavailable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(e);
        }
    }

    /** Sends all events in one transaction: on return all are committed; on an exception none is visible. */
    public synchronized void sendAtomically(List<JobSubmitted> events) {
        KafkaProducer<String, byte[]> tx;
        try {
            tx = transactional();
        } catch (KafkaException e) {
            closeTransactional();
            throw unavailable(e);
        }
        try {
            tx.beginTransaction();
            for (JobSubmitted e : events) {
                tx.send(codec.record(topics.jobsSubmitted(), e));
            }
            tx.commitTransaction();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                 | UnsupportedVersionException e) {
            closeTransactional();
            throw unavailable(e);
        } catch (KafkaException e) {
            try {
                tx.abortTransaction();
            } catch (KafkaException abortFailed) {
                // the next initTransactions() under the same id aborts whatever is left open
                closeTransactional();
            }
            throw unavailable(e);
        }
    }

    private KafkaProducer<String, byte[]> transactional() {
        if (transactional == null) {
            Properties p = properties("batches");
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "vlmesh-ingest-" + config.instanceId()
                    + (namespace.isBlank() ? "" : "-" + namespace));
            p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "60000");
            transactional = new KafkaProducer<>(p);
            transactionsReady = false;
        }
        if (!transactionsReady) {
            transactional.initTransactions();
            transactionsReady = true;
        }
        return transactional;
    }

    private void closeTransactional() {
        if (transactional != null) {
            try {
                transactional.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("closing the transactional producer", e);
            }
            transactional = null;
            transactionsReady = false;
        }
    }

    private Properties properties(String purpose) {
        var k = config.kafka();
        Properties p = KafkaSettings.producer(k.bootstrap().orElse(defaultBootstrap),
                "vlmesh-ingest-" + config.instanceId() + "-" + purpose);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(k.maxBlockMs()));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(k.requestTimeoutMs()));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(k.deliveryTimeoutMs()));
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        return p;
    }

    private static BrokerUnavailableException unavailable(Throwable cause) {
        String what = cause == null ? "no answer" : cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        return new BrokerUnavailableException("the job event was not acknowledged by Kafka (" + what + ")", cause);
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        closeTransactional();
    }
}
