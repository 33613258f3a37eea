package dev.vlmesh.events;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Moves a record that cannot be processed to the dead-letter topic, byte for byte, with where it came from and why.
 * The consumer then commits past it, so a poison record never blocks its partition.
 */
public final class DeadLetters {

    public static final String REASON = "vlmesh_dlq_reason";
    public static final String CODE = "vlmesh_dlq_code";
    public static final String ORIGINAL_TOPIC = "vlmesh_dlq_topic";
    public static final String ORIGINAL_PARTITION = "vlmesh_dlq_partition";
    public static final String ORIGINAL_OFFSET = "vlmesh_dlq_offset";
    public static final String CONSUMER_GROUP = "vlmesh_dlq_group";
    public static final String DEAD_AT = "vlmesh_dlq_time";

    private DeadLetters() {
    }

    public static ProducerRecord<byte[], byte[]> record(String deadLetterTopic, ConsumerRecord<?, byte[]> original,
                                                        String code, String reason, String consumerGroup) {
        Headers headers = new RecordHeaders();
        for (Header h : original.headers()) {
            headers.add(h);
        }
        CloudEventHeaders.put(headers, REASON, reason == null ? "unknown" : reason);
        CloudEventHeaders.put(headers, CODE, code);
        CloudEventHeaders.put(headers, ORIGINAL_TOPIC, original.topic());
        CloudEventHeaders.put(headers, ORIGINAL_PARTITION, Integer.toString(original.partition()));
        CloudEventHeaders.put(headers, ORIGINAL_OFFSET, Long.toString(original.offset()));
        CloudEventHeaders.put(headers, CONSUMER_GROUP, consumerGroup);
        CloudEventHeaders.put(headers, DEAD_AT, Instant.now().toString());
        byte[] key = switch (original.key()) {
            case null -> null;
            case byte[] b -> b;
            case Object o -> o.toString().getBytes(StandardCharsets.UTF_8);
        };
        return new ProducerRecord<>(deadLetterTopic, null, key, original.value(), headers);
    }

    /** A dead letter as read back from the topic. */
    public record DeadLetter(String code, String reason, String topic, int partition, long offset, String group,
                             byte[] value) {

        public static DeadLetter of(ConsumerRecord<?, byte[]> r) {
            Headers h = r.headers();
            String partition = CloudEventHeaders.read(h, ORIGINAL_PARTITION);
            String offset = CloudEventHeaders.read(h, ORIGINAL_OFFSET);
            return new DeadLetter(CloudEventHeaders.read(h, CODE), CloudEventHeaders.read(h, REASON),
                    CloudEventHeaders.read(h, ORIGINAL_TOPIC),
                    partition == null ? -1 : Integer.parseInt(partition),
                    offset == null ? -1 : Long.parseLong(offset),
                    CloudEventHeaders.read(h, CONSUMER_GROUP), r.value());
        }
    }
}
