package dev.vlmesh.events;

import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;

/**
 * Decodes consumed records; a record that is not a readable event is moved to the dead-letter topic (waiting for the
 * broker's acknowledgement) so the caller can commit past it and its partition keeps flowing.
 */
public final class DeadLetterRouter {

    private final Producer<byte[], byte[]> producer;
    private final String deadLetterTopic;
    private final String consumerGroup;

    public DeadLetterRouter(Producer<byte[], byte[]> producer, String deadLetterTopic, String consumerGroup) {
        this.producer = producer;
        this.deadLetterTopic = deadLetterTopic;
        this.consumerGroup = consumerGroup;
    }

    /** The event, or empty after the record went to the dead-letter topic. */
    public <T extends VlmeshEvent> Optional<T> decode(ConsumerRecord<?, byte[]> record, Class<T> expected)
            throws InterruptedException {
        try {
            return Optional.of(EventCodec.decode(record.headers(), record.value(), expected));
        } catch (UnreadableRecordException e) {
            deadLetter(record, ErrorCodes.UNREADABLE_RECORD, e.getMessage());
            return Optional.empty();
        }
    }

    /** Sends the record to the dead-letter topic and waits until the broker has it. */
    public void deadLetter(ConsumerRecord<?, byte[]> record, String code, String reason) throws InterruptedException {
        try {
            producer.send(DeadLetters.record(deadLetterTopic, record, code, reason, consumerGroup)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not write to dead-letter topic " + deadLetterTopic, e.getCause());
        }
    }
}
