package dev.vlmesh.results.state;

import dev.vlmesh.events.Topics;
import dev.vlmesh.results.webhook.WebhookOutbox;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The Kafka Streams topology: both job topics (co-partitioned: same key, same partition count) feed one processor
 * that owns five persistent stores, each backed by a compacted changelog topic; unreadable records go to the
 * dead-letter topic inside the same transaction.
 */
public final class JobTopology {

    static final String SUBMITTED = "submitted";
    static final String EVENTS = "job-events-source";
    static final String FOLD = "fold";
    static final String DEAD_LETTERS = "dead-letters";

    private JobTopology() {
    }

    public static Topology build(Topics topics, String group, Consumer<StreamEvent> listeners,
                                 WebhookOutbox outbox) {
        Topology t = new Topology();
        t.addSource(SUBMITTED, new StringDeserializer(), new ByteArrayDeserializer(), topics.jobsSubmitted());
        t.addSource(EVENTS, new StringDeserializer(), new ByteArrayDeserializer(), topics.jobEvents());
        t.addProcessor(FOLD, () -> new JobProcessor(topics.jobEvents(), group, listeners, outbox), SUBMITTED, EVENTS);
        for (String store : new String[] {StoreKeys.JOBS, StoreKeys.JOB_EVENTS, StoreKeys.EVENT_IDS,
                StoreKeys.JOB_INDEX, StoreKeys.WEBHOOKS}) {
            t.addStateStore(store(store), FOLD);
        }
        t.addSink(DEAD_LETTERS, topics.deadLetter(), new StringSerializer(), new ByteArraySerializer(), FOLD);
        return t;
    }

    private static StoreBuilder<KeyValueStore<String, byte[]>> store(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(java.util.Map.of());
    }
}
