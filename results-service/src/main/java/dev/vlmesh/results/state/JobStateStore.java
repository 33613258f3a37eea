package dev.vlmesh.results.state;

import dev.vlmesh.events.ConsumerGroups;
import dev.vlmesh.events.Topics;
import dev.vlmesh.events.quarkus.Problem;
import dev.vlmesh.results.ResultsConfig;
import dev.vlmesh.results.stream.JobBus;
import dev.vlmesh.results.webhook.WebhookConfig;
import dev.vlmesh.results.webhook.WebhookOutbox;
import dev.vlmesh.results.webhook.WebhookSender;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Owns this instance's Kafka Streams application and answers queries from its local stores. Every instance has its
 * own application id (one consumer group per instance), so each one reads all partitions and can serve any job;
 * its stores are restored from their changelog topics when the local state directory is missing.
 */
@ApplicationScoped
public class JobStateStore {

    private static final Logger LOG = Logger.getLogger(JobStateStore.class);

    @Inject
    Topics topics;

    @Inject
    @Named("vlmesh.namespace")
    String namespace;

    @Inject
    ResultsConfig config;

    @Inject
    WebhookConfig webhookConfig;

    @Inject
    JobBus bus;

    @Inject
    WebhookSender sender;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    MeterRegistry metrics;

    private volatile KafkaStreams streams;
    private volatile int partitions;
    private String applicationId;

    void onStart(@Observes StartupEvent ev) {
        start();
    }

    void onStop(@Observes ShutdownEvent ev) {
        stop();
    }

    public synchronized void start() {
        if (streams != null) {
            return;
        }
        applicationId = ConsumerGroups.results(namespace, config.instanceId());
        partitions = partitionCount(topics.jobEvents());
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.CLIENT_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, Path.of(config.dataDir()).toAbsolutePath().toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.processingGuarantee());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        KafkaStreams s = new KafkaStreams(JobTopology.build(topics, applicationId, bus::publish,
                new WebhookOutbox(sender, webhookConfig)), p);
        s.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread failed; replacing it (state is restored from the changelog)", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        s.setStateListener((to, from) -> LOG.infof("job state %s -> %s", from, to));
        metrics.gauge("vlmesh.results.stream.subscribers", bus, JobBus::subscriberCount);
        metrics.gauge("vlmesh.results.state.running", this, st -> st.running() ? 1 : 0);
        s.start();
        streams = s;
        LOG.infof("results instance '%s' consuming %s and %s (%d partitions) as %s, state in %s",
                config.instanceId(), topics.jobsSubmitted(), topics.jobEvents(), partitions, applicationId,
                config.dataDir());
    }

    public synchronized void stop() {
        KafkaStreams s = streams;
        streams = null;
        if (s != null) {
            s.close(Duration.ofSeconds(15));
        }
    }

    public String applicationId() {
        return applicationId;
    }

    public boolean running() {
        KafkaStreams s = streams;
        return s != null && s.state() == KafkaStreams.State.RUNNING;
    }

    public String stateName() {
        KafkaStreams s = streams;
        return s == null ? "STOPPED" : s.state().name();
    }

    public Optional<JobState> job(String jobId) {
        if (!StoreKeys.safeId(jobId)) {
            return Optional.empty();
        }
        return Optional.ofNullable(StoreJson.read(store(StoreKeys.JOBS, null).get(jobId), JobState.class));
    }

    /** The job's stream events with seq above {@code afterSeq}, in order. */
    public List<StreamEvent> eventsAfter(String jobId, long afterSeq) {
        List<StreamEvent> out = new ArrayList<>();
        String from = StoreKeys.event(jobId, afterSeq + 1);
        String to = StoreKeys.event(jobId, 999_999_999_999L);
        try (KeyValueIterator<String, byte[]> it = store(StoreKeys.JOB_EVENTS, null).range(from, to)) {
            while (it.hasNext()) {
                out.add(StoreJson.read(it.next().value, StreamEvent.class));
            }
        }
        return out;
    }

    /** One page of a listing, and the cursor of the next page (null on the last). */
    public record Page(List<JobState> jobs, String nextCursor) {
    }

    /**
     * A tenant's jobs, newest first, from the creation-time index, merged across partitions.
     *
     * @param cursor the position after which to continue (from the previous page), or null
     */
    public Page list(String tenant, String batchId, Instant createdAfter, Instant createdBefore, String cursor,
                     Predicate<JobState> filter, int limit) {
        String prefix = batchId == null ? StoreKeys.tenantPrefix(tenant) : StoreKeys.batchPrefix(tenant, batchId);
        String lower = prefix + (createdAfter == null ? "" : StoreKeys.timeBound(createdAfter));
        String upper = prefix + "~";
        if (createdBefore != null) {
            upper = prefix + StoreKeys.timeBound(createdBefore);
        }
        if (cursor != null && (prefix + cursor).compareTo(upper) < 0) {
            upper = prefix + cursor;
        }
        String exclude = cursor == null ? null : prefix + cursor;
        List<JobState> found = new ArrayList<>();
        String[] last = {null};
        boolean more = merge(lower, upper, true, (key, job) -> {
            if (key.equals(exclude) || !filter.test(job)) {
                return true;
            }
            if (found.size() == limit) {
                return false;
            }
            found.add(job);
            last[0] = key.substring(prefix.length());
            return true;
        });
        return new Page(found, more ? last[0] : null);
    }

    /** Every job of a batch, oldest first. */
    public List<JobState> batch(String tenant, String batchId) {
        String prefix = StoreKeys.batchPrefix(tenant, batchId);
        List<JobState> out = new ArrayList<>();
        merge(prefix, prefix + "~", false, (key, job) -> out.add(job));
        return out;
    }

    private interface Visitor {
        /** false stops the walk early. */
        boolean visit(String key, JobState job);
    }

    /** Walks the index range of every partition in one global key order; true when stopped early. */
    private boolean merge(String lower, String upper, boolean descending, Visitor visitor) {
        record Head(String key, String jobId, int partition, KeyValueIterator<String, byte[]> it) {
        }
        Comparator<Head> order = Comparator.comparing(Head::key);
        PriorityQueue<Head> heads = new PriorityQueue<>(descending ? order.reversed() : order);
        List<KeyValueIterator<String, byte[]>> open = new ArrayList<>();
        try {
            for (int p = 0; p < partitions; p++) {
                ReadOnlyKeyValueStore<String, byte[]> index = store(StoreKeys.JOB_INDEX, p);
                KeyValueIterator<String, byte[]> it = descending ? index.reverseRange(lower, upper)
                        : index.range(lower, upper);
                open.add(it);
                advance(it, p, heads, Head::new);
            }
            while (!heads.isEmpty()) {
                Head h = heads.poll();
                JobState job = StoreJson.read(store(StoreKeys.JOBS, h.partition()).get(h.jobId()), JobState.class);
                if (job != null && !visitor.visit(h.key(), job)) {
                    return true;
                }
                advance(h.it(), h.partition(), heads, Head::new);
            }
            return false;
        } finally {
            open.forEach(KeyValueIterator::close);
        }
    }

    private interface HeadFactory<H> {
        H make(String key, String jobId, int partition, KeyValueIterator<String, byte[]> it);
    }

    private static <H> void advance(KeyValueIterator<String, byte[]> it, int partition, PriorityQueue<H> heads,
                                    HeadFactory<H> make) {
        if (it.hasNext()) {
            KeyValue<String, byte[]> kv = it.next();
            heads.add(make.make(kv.key, new String(kv.value, java.nio.charset.StandardCharsets.UTF_8), partition, it));
        }
    }

    private ReadOnlyKeyValueStore<String, byte[]> store(String name, Integer partition) {
        KafkaStreams s = streams;
        if (s == null) {
            throw unavailable("stopped");
        }
        StoreQueryParameters<ReadOnlyKeyValueStore<String, byte[]>> q =
                StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore());
        if (partition != null) {
            q = q.withPartition(partition);
        }
        try {
            return s.store(q);
        } catch (InvalidStateStoreException e) {
            throw unavailable(s.state().name());
        }
    }

    public static Problem.ProblemException unavailable(String state) {
        return new Problem.ProblemException(Problem.of(503, "state-not-ready", "Job state not ready",
                "results-service is loading job state (" + state + "); retry in a moment."),
                Map.of("Retry-After", "2"));
    }

    private int partitionCount(String topic) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin admin = Admin.create(p)) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the partition count of " + topic
                    + " (is the broker up and the topic created?)", e);
        }
    }
}
