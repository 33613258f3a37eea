package dev.vlmesh.infer;

import dev.vlmesh.engine.kernel.ComputePool;
import dev.vlmesh.events.ConsumerGroups;
import dev.vlmesh.events.DeadLetterRouter;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.KafkaSettings;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.Topics;
import dev.vlmesh.events.stack.KafkaTopics;
import dev.vlmesh.events.stack.ObjectStores;
import dev.vlmesh.infer.backend.EmbeddedBackend;
import dev.vlmesh.infer.backend.InferenceBackend;
import dev.vlmesh.infer.backend.OpenAiBackend;
import dev.vlmesh.infer.cancel.CancelRegistry;
import dev.vlmesh.infer.cancel.ControlListener;
import dev.vlmesh.infer.checkpoint.CheckpointStore;
import dev.vlmesh.infer.checkpoint.ModelManager;
import dev.vlmesh.infer.config.WorkerSettings;
import dev.vlmesh.infer.engine.EngineRuntime;
import dev.vlmesh.infer.jobs.BatchScheduler;
import dev.vlmesh.infer.jobs.EventPublisher;
import dev.vlmesh.infer.jobs.JobConsumer;
import dev.vlmesh.infer.jobs.JobContext;
import dev.vlmesh.infer.jobs.OffsetTracker;
import dev.vlmesh.infer.jobs.TerminalIndex;
import dev.vlmesh.infer.jobs.WorkerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.minio.MinioClient;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.jboss.logging.Logger;

/**
 * The worker, wired from plain parts (the Quarkus app and {@link WorkerMain} both build it): the model versions and
 * the backend, the batch scheduler, the job-events index, the cancel listener and the job consumer. The consumer
 * joins its group only once the embedded model is loaded, so no job waits on a worker that cannot run it.
 */
public final class InferWorker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(InferWorker.class);

    private final WorkerSettings settings;
    private final Topics topics;
    private final StoreLayout layout;
    private final MinioClient s3;
    private final Admin admin;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaProducer<byte[], byte[]> rawProducer;
    private final WorkerMetrics metrics;
    private final BatchScheduler scheduler;
    private final CancelRegistry cancels = new CancelRegistry();
    private final ComputePool pool;
    private final ModelManager models;
    private final InferenceBackend backend;
    private final EmbeddedBackend engineBackend;
    private final TerminalIndex index;
    private final ControlListener control;
    private final Thread starter;
    private volatile JobConsumer consumer;
    private volatile boolean closed;

    public InferWorker(WorkerSettings s, MeterRegistry registry) {
        this.settings = s;
        this.topics = Topics.withNamespace(s.namespace());
        this.layout = StoreLayout.withNamespace(s.namespace());
        this.s3 = ObjectStores.client(s.s3Endpoint(), s.s3AccessKey(), s.s3SecretKey(), s.s3Region());
        this.admin = KafkaTopics.admin(s.kafkaBootstrap());
        this.producer = new KafkaProducer<>(KafkaSettings.producer(s.kafkaBootstrap(), "infer-" + s.workerId()));
        this.rawProducer = new KafkaProducer<>(KafkaSettings.rawProducer(s.kafkaBootstrap(),
                "infer-dlq-" + s.workerId()));
        this.metrics = new WorkerMetrics(registry);
        this.scheduler = new BatchScheduler(s.batchSize(), s.memoryBudgetBytes());
        if (s.needsEngine()) {
            this.pool = new ComputePool(s.engineThreads());
            this.models = new ModelManager(s.modelName(), s.localModelPath(), s.localModelName(),
                    new CheckpointStore(s3, layout.checkpointBucket(), s.cacheDir(), s.verifyCachedFiles()),
                    EngineRuntime.loader(pool, s.engineWeights(), s.video()), s.kafkaBootstrap(), topics.checkpointEvents(),
                    "infer-models-" + s.workerId());
            this.engineBackend = new EmbeddedBackend(models);
            models.start();
        } else {
            this.pool = null;
            this.models = null;
            this.engineBackend = null;
        }
        this.backend = s.embedded() ? engineBackend : new OpenAiBackend(
                s.openAiBaseUrl().orElseThrow(() -> new IllegalArgumentException(
                        "vlmesh.infer.backend=openai needs vlmesh.infer.openai.base-url")),
                s.openAiApiKey(), s.openAiModel().orElse("default"), s.openAiMedia(), s.openAiPresignExpirySeconds(),
                Duration.ofMillis(s.openAiTimeoutMs()));
        this.index = new TerminalIndex(s.kafkaBootstrap(), topics.jobEvents(), admin, "infer-index-" + s.workerId());
        this.control = new ControlListener(s.kafkaBootstrap(), topics.jobControl(), "infer-control-" + s.workerId(),
                s.cancelLookbackMs(), cancels);
        metrics.gauge("vlmesh.infer.jobs.queued", "work waiting for a batch slot", scheduler::queued);
        metrics.gauge("vlmesh.infer.jobs.running", "work running now", scheduler::running);
        metrics.gauge("vlmesh.infer.batch.memory.bytes", "memory estimate of running work", scheduler::memoryInUse);
        if (models != null) {
            metrics.gauge("vlmesh.infer.decode.batch.average", "generations decoded together per forward pass, on "
                    + "average, by the current model version (continuous batching)", () -> models.versions().current()
                    .filter(EngineRuntime.class::isInstance).map(m -> ((EngineRuntime) m).model().decodeStats()
                            .averageBatch()).orElse(0.0));
        }
        this.starter = Thread.ofPlatform().name("consumer-starter").daemon().start(this::startConsumer);
    }

    private void startConsumer() {
        if (!settings.consumeJobs()) {
            return;
        }
        try {
            if (settings.embedded()) {
                while (!closed && !models.awaitLoaded(Duration.ofSeconds(1))) {
                    // keep waiting: readiness reports why
                }
            }
            if (closed) {
                return;
            }
            EventPublisher publisher = new EventPublisher(producer, new EventCodec("/vlmesh/infer-service"),
                    topics.jobEvents());
            JobContext ctx = new JobContext(settings, publisher, new DeadLetterRouter(rawProducer, topics.deadLetter(),
                    ConsumerGroups.inferWorkers(settings.namespace())), index, cancels, backend, new OffsetTracker(),
                    scheduler, metrics, s3, null);
            consumer = new JobConsumer(ctx, topics.jobsSubmitted(), settings.namespace());
            LOG.infof("worker %s consuming %s with the %s backend (batch %d, memory budget %d MiB)",
                    settings.workerId(), topics.jobsSubmitted(), backend.name(), settings.batchSize(),
                    settings.memoryBudgetBytes() >> 20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public WorkerSettings settings() {
        return settings;
    }

    public Topics topics() {
        return topics;
    }

    public BatchScheduler scheduler() {
        return scheduler;
    }

    public InferenceBackend backend() {
        return backend;
    }

    /** The embedded engine (for the OpenAI-compatible API), if loaded in this process. */
    public Optional<EmbeddedBackend> engine() {
        return Optional.ofNullable(engineBackend);
    }

    public Optional<ModelManager> models() {
        return Optional.ofNullable(models);
    }

    public CancelRegistry cancels() {
        return cancels;
    }

    public WorkerMetrics metrics() {
        return metrics;
    }

    public MinioClient s3() {
        return s3;
    }

    /** Whether the job consumer runs (or is not wanted) and the topic readers are alive. */
    public boolean consumerHealthy() {
        JobConsumer c = consumer;
        return index.healthy() && control.healthy() && (!settings.consumeJobs() || c == null || c.healthy());
    }

    public boolean consuming() {
        JobConsumer c = consumer;
        return c != null && c.healthy();
    }

    @Override
    public void close() {
        closed = true;
        JobConsumer c = consumer;
        if (c != null) {
            c.close();
        }
        starter.interrupt();
        scheduler.close();
        control.close();
        index.close();
        producer.close(Duration.ofSeconds(5));
        rawProducer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
        backend.close();
        if (models != null) {
            models.close();
        }
        if (pool != null) {
            pool.close();
        }
    }
}
