package dev.vlmesh.infer.checkpoint;

import dev.vlmesh.events.CheckpointReady;
import dev.vlmesh.events.CloudEventHeaders;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.EventType;
import dev.vlmesh.events.KafkaSettings;
import dev.vlmesh.events.UnreadableRecordException;
import dev.vlmesh.infer.backend.JobFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Which model versions this worker runs. With a model name configured: at start the newest complete version in
 * the store is downloaded (verified) and loaded; every later {@code CheckpointReady} for that model is loaded
 * beside the running one and installed for new work. With no model name: the checkpoint folder at
 * {@code localPath} (the repository's demo model) is loaded as version {@code local}, named {@code localName} or
 * else after its folder.
 */
public final class ModelManager implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ModelManager.class);
    public static final String LOCAL_VERSION = "local";
    private static final long RETRY_NANOS = Duration.ofSeconds(30).toNanos();

    private final Optional<String> modelName;
    private final Path localPath;
    private final Optional<String> localName;
    private final CheckpointStore store;
    private final ModelRuntime.Loader loader;
    private final ModelVersions versions;
    private final String bootstrap;
    private final String eventsTopic;
    private final String clientId;
    private final CountDownLatch firstLoad = new CountDownLatch(1);
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile Thread thread;
    private volatile boolean running = true;
    private volatile String lastError;

    public ModelManager(Optional<String> modelName, Path localPath, Optional<String> localName, CheckpointStore store,
                        ModelRuntime.Loader loader, String bootstrap, String checkpointEventsTopic, String clientId) {
        this.modelName = modelName;
        this.localPath = localPath;
        this.localName = localName;
        this.store = store;
        this.loader = loader;
        this.bootstrap = bootstrap;
        this.eventsTopic = checkpointEventsTopic;
        this.clientId = clientId;
        this.versions = new ModelVersions(this::loadPinned);
    }

    public ModelVersions versions() {
        return versions;
    }

    /** The configured model name, or the local checkpoint's name (configured, else its folder's). */
    public String modelName() {
        return modelName.or(() -> localName).orElseGet(() -> localPath.getFileName().toString());
    }

    /** Loads the first version on a background thread, then follows checkpoint events. */
    public void start() {
        thread = Thread.ofPlatform().name("model-manager").daemon().start(this::run);
    }

    /** Waits until a first version is installed. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return firstLoad.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean loaded() {
        return versions.current().isPresent();
    }

    public String lastError() {
        return lastError;
    }

    private void run() {
        try {
            if (modelName.isEmpty()) {
                loadLocal();
                return;
            }
            String model = modelName.get();
            Properties p = KafkaSettings.consumer(bootstrap, "unused-" + UUID.randomUUID(), clientId);
            p.remove(ConsumerConfig.GROUP_ID_CONFIG);
            consumer = new KafkaConsumer<>(p);
            List<TopicPartition> parts = consumer.partitionsFor(eventsTopic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(eventsTopic, i.partition())).toList();
            if (parts.isEmpty()) {
                throw new IllegalStateException("topic " + eventsTopic + " does not exist (create the topics first)");
            }
            consumer.assign(parts);
            // positions first: a version announced while the newest one loads is not missed
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts, Duration.ofSeconds(30));
            ends.forEach(consumer::seek);
            loadNewest(model);
            long nextTry = System.nanoTime() + RETRY_NANOS;
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    onRecord(model, r);
                }
                if (!loaded() && System.nanoTime() > nextTry) {
                    // the store may have been unreachable at start, or the first version arrived without an event
                    loadNewest(model);
                    nextTry = System.nanoTime() + RETRY_NANOS;
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            lastError = String.valueOf(t);
            LOG.errorf(t, "model manager stopped");
        } finally {
            if (consumer != null) {
                consumer.close(Duration.ofSeconds(2));
            }
        }
    }

    private void loadLocal() {
        try {
            if (!Files.isRegularFile(localPath.resolve("config.json"))) {
                throw new IllegalStateException("no model configured (vlmesh.infer.model.name) and no checkpoint at "
                        + localPath.toAbsolutePath() + " (vlmesh.infer.model.local-path)");
            }
            long t0 = System.nanoTime();
            ModelRuntime m = loader.load(localPath, modelName(), LOCAL_VERSION);
            versions.install(m);
            firstLoad.countDown();
            LOG.infof("loaded local model %s from %s in %d ms", modelName(), localPath,
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (Exception e) {
            lastError = e.getMessage();
            LOG.errorf(e, "could not load the local model");
        }
    }

    private void loadNewest(String model) {
        try {
            Optional<String> newest = store.newestVersion(model);
            if (newest.isEmpty()) {
                lastError = "no complete version of " + model + " in the store yet; waiting for CheckpointReady";
                LOG.warn(lastError);
                return;
            }
            install(model, newest.get());
        } catch (Exception e) {
            lastError = "loading the newest version of " + model + ": " + e.getMessage();
            LOG.errorf(e, "could not load the newest version of %s; waiting for CheckpointReady", model);
        }
    }

    private void onRecord(String model, ConsumerRecord<byte[], byte[]> r) {
        if (!EventType.CHECKPOINT_READY.ceType().equals(CloudEventHeaders.read(r.headers(), CloudEventHeaders.TYPE))) {
            return;
        }
        try {
            CheckpointReady ready = EventCodec.decode(r.headers(), r.value(), CheckpointReady.class);
            if (!model.equals(ready.modelName())) {
                return;
            }
            if (versions.current().map(c -> c.version().equals(ready.version())).orElse(false)) {
                return;
            }
            LOG.infof("checkpoint ready: %s %s; loading it beside the running version", model, ready.version());
            install(model, ready.version());
        } catch (UnreadableRecordException e) {
            LOG.debugf("ignoring unreadable checkpoint event: %s", e.getMessage());
        } catch (Exception e) {
            lastError = "loading announced version: " + e.getMessage();
            LOG.errorf(e, "could not load the announced version; staying on the running one");
        }
    }

    private void install(String model, String version) throws Exception {
        long t0 = System.nanoTime();
        Path dir = store.materialize(model, version);
        ModelRuntime m = loader.load(dir, model, version);
        versions.install(m);
        lastError = null;
        firstLoad.countDown();
        LOG.infof("now serving %s %s (loaded in %d ms)", model, version, (System.nanoTime() - t0) / 1_000_000);
    }

    private ModelRuntime loadPinned(String version) throws JobFailure, InterruptedException {
        if (modelName.isEmpty()) {
            throw JobFailure.permanent(ErrorCodes.MODEL_VERSION_NOT_FOUND, "this worker runs the local model only "
                    + "(version '" + LOCAL_VERSION + "'), not version '" + version + "'");
        }
        String model = modelName.get();
        try {
            if (!store.exists(model, version)) {
                throw JobFailure.permanent(ErrorCodes.MODEL_VERSION_NOT_FOUND, "version '" + version + "' of "
                        + model + " is not in the store");
            }
            return loader.load(store.materialize(model, version), model, version);
        } catch (JobFailure e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw JobFailure.permanent(ErrorCodes.MODEL_VERSION_NOT_FOUND, e.getMessage());
        } catch (Exception e) {
            throw JobFailure.retryable(ErrorCodes.INTERNAL, "could not load version " + version + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        versions.close();
    }
}
