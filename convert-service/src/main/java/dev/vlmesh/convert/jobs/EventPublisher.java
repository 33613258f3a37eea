package dev.vlmesh.convert.jobs;

import dev.vlmesh.convert.state.ConversionRegistry;
import dev.vlmesh.events.CheckpointEvent;
import dev.vlmesh.events.EventCodec;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.Producer;

/**
 * Publishes checkpoint events and applies them to the local registry at once (the state follower applies them
 * again when it reads them back, which changes nothing). Outcomes wait for the broker's acknowledgement; progress
 * does not.
 */
public final class EventPublisher {
    private final Producer<String, byte[]> producer;
    private final EventCodec codec;
    private final String topic;
    private final ConversionRegistry registry;

    public EventPublisher(Producer<String, byte[]> producer, EventCodec codec, String topic, ConversionRegistry registry) {
        this.producer = producer;
        this.codec = codec;
        this.topic = topic;
        this.registry = registry;
    }

    /** Sends and waits until the broker has the event. */
    public void publish(CheckpointEvent e) throws InterruptedException {
        try {
            producer.send(codec.record(topic, e)).get();
        } catch (ExecutionException x) {
            throw new IllegalStateException("could not publish " + e.type() + " to " + topic, x.getCause());
        }
        registry.apply(e);
    }

    /** Sends without waiting (progress: a lost one is superseded by the next). */
    public void publishLater(CheckpointEvent e) {
        producer.send(codec.record(topic, e));
        registry.apply(e);
    }

    public String topic() {
        return topic;
    }
}
