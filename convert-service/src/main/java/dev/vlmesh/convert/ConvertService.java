package dev.vlmesh.convert;

import dev.vlmesh.convert.config.ConvertSettings;
import dev.vlmesh.convert.jobs.ConversionJob;
import dev.vlmesh.convert.jobs.EventPublisher;
import dev.vlmesh.convert.jobs.RefreshPlan;
import dev.vlmesh.convert.jobs.RequestConsumer;
import dev.vlmesh.convert.state.ConversionRegistry;
import dev.vlmesh.convert.state.StateFollower;
import dev.vlmesh.convert.state.VersionInfo;
import dev.vlmesh.convert.store.SourceDownloader;
import dev.vlmesh.convert.store.StoreVersions;
import dev.vlmesh.convert.store.VersionUploader;
import dev.vlmesh.events.CheckpointRefreshRequested;
import dev.vlmesh.events.ConsumerGroups;
import dev.vlmesh.events.DeadLetterRouter;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.Ids;
import dev.vlmesh.events.KafkaSettings;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.minio.MinioClient;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.jboss.logging.Logger;

/**
 * The converter, wired from plain parts: the conversion registry (rebuilt from the store's manifests and the
 * checkpoint topics), the request consumer that runs conversions, and the publisher of their events. Requests made
 * over HTTP go through the requests topic like any other, so there is one queue and one order per model.
 */
public final class ConvertService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConvertService.class);
    public static final String SOURCE = "/vlmesh/convert-service";

    private final ConvertSettings settings;
    private final Topics topics;
    private final StoreLayout layout;
    private final ConversionRegistry registry = new ConversionRegistry();
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaProducer<byte[], byte[]> rawProducer;
    private final EventCodec codec = new EventCodec(SOURCE);
    private final StateFollower follower;
    private final RequestConsumer consumer;

    public ConvertService(ConvertSettings s, MinioClient s3, MeterRegistry metrics) throws Exception {
        this.settings = s;
        this.topics = Topics.withNamespace(s.namespace());
        this.layout = StoreLayout.withNamespace(s.namespace());
        Files.createDirectories(s.workDir());
        try {
            for (VersionInfo v : StoreVersions.load(s3, layout.checkpointBucket())) {
                registry.addVersion(v);
            }
        } catch (Exception e) {
            LOG.warnf("could not list versions in %s yet (%s); they appear as conversions finish",
                    layout.checkpointBucket(), e.getMessage());
        }
        this.producer = new KafkaProducer<>(KafkaSettings.producer(s.kafkaBootstrap(), s.instanceId()));
        this.rawProducer = new KafkaProducer<>(KafkaSettings.rawProducer(s.kafkaBootstrap(), s.instanceId() + "-dlq"));
        EventPublisher events = new EventPublisher(producer, codec, topics.checkpointEvents(), registry);
        this.follower = new StateFollower(s.kafkaBootstrap(), s.instanceId() + "-state",
                List.of(topics.checkpointRequests(), topics.checkpointEvents()), registry);
        ConversionJob job = new ConversionJob(s, layout,
                new SourceDownloader(s3, s.maxSourceBytes(), s.maxSourceFiles(), s.s3Attempts(), s.s3RetryBackoffMs()),
                new VersionUploader(s3, s.s3Attempts(), s.s3RetryBackoffMs()), events, metrics);
        String group = ConsumerGroups.converters(s.namespace());
        this.consumer = new RequestConsumer(s.kafkaBootstrap(), group, s.instanceId(), topics.checkpointRequests(),
                s.sessionTimeoutMs(), s.maxConcurrent(), new DeadLetterRouter(rawProducer, topics.deadLetter(), group),
                job::run);
    }

    /** Queues a refresh: publishes the request (waiting for the broker) and returns it. */
    public CheckpointRefreshRequested submit(RefreshPlan plan) throws InterruptedException {
        CheckpointRefreshRequested req = CheckpointRefreshRequested.of(Ids.newConversionId(), plan.modelName(),
                plan.sourceBucket(), plan.sourcePrefix(), plan.parallel(), plan.outputFormat());
        try {
            producer.send(codec.record(topics.checkpointRequests(), req)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not queue the request on " + topics.checkpointRequests(),
                    e.getCause());
        }
        registry.apply(req);
        return req;
    }

    public ConversionRegistry registry() {
        return registry;
    }

    public StoreLayout layout() {
        return layout;
    }

    public boolean healthy() {
        return consumer.healthy() && follower.healthy();
    }

    public boolean caughtUp() {
        return follower.caughtUp();
    }

    /** Waits until the conversion state has been rebuilt from the topics. */
    public boolean awaitStateRebuilt(java.time.Duration timeout) throws InterruptedException {
        return follower.awaitCaughtUp(timeout);
    }

    public String lastError() {
        return consumer.lastError().orElse(null);
    }

    public ConvertSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        consumer.close();
        follower.close();
        producer.close();
        rawProducer.close();
    }
}
