package dev.vlmesh.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Turns events into Kafka records and back. Values are JSON; keys are UTF-8 strings; unknown JSON fields are ignored
 * so that newer producers do not break older consumers.
 */
public final class EventCodec {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private final String source;

    /** @param source CloudEvents source of the producing service, e.g. {@code /vlmesh/ingest-service} */
    public EventCodec(String source) {
        this.source = source;
    }

    public static ObjectMapper json() {
        return JSON;
    }

    public ProducerRecord<String, byte[]> record(String topic, VlmeshEvent event) {
        Headers headers = new RecordHeaders();
        CloudEventHeaders.write(headers, event, source);
        return new ProducerRecord<>(topic, null, event.key(), toJson(event), headers);
    }

    public static byte[] toJson(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a record's value as the event its {@code ce_type} header names.
     *
     * @throws UnreadableRecordException with a reason fit for the dead-letter topic
     */
    public static VlmeshEvent decode(Headers headers, byte[] value) throws UnreadableRecordException {
        String ceType = CloudEventHeaders.read(headers, CloudEventHeaders.TYPE);
        if (ceType == null) {
            throw new UnreadableRecordException("missing ce_type header");
        }
        EventType type = EventType.fromCeType(ceType)
                .orElseThrow(() -> new UnreadableRecordException("unknown event type '" + ceType + "'"));
        if (value == null || value.length == 0) {
            throw new UnreadableRecordException("empty value for " + ceType);
        }
        VlmeshEvent event;
        try {
            event = JSON.readValue(value, type.recordClass());
        } catch (IOException e) {
            throw new UnreadableRecordException("invalid JSON for " + ceType + ": " + firstLine(e.getMessage()), e);
        }
        validate(event, ceType);
        return event;
    }

    /** Like {@link #decode} but insists on one event class. */
    public static <T extends VlmeshEvent> T decode(Headers headers, byte[] value, Class<T> expected)
            throws UnreadableRecordException {
        VlmeshEvent event = decode(headers, value);
        if (!expected.isInstance(event)) {
            throw new UnreadableRecordException("expected " + expected.getSimpleName() + " but got "
                    + event.getClass().getSimpleName());
        }
        return expected.cast(event);
    }

    private static void validate(VlmeshEvent event, String ceType) throws UnreadableRecordException {
        if (event.schemaVersion() < 1 || event.schemaVersion() > VlmeshEvent.CURRENT_SCHEMA_VERSION) {
            throw new UnreadableRecordException("unsupported schemaVersion " + event.schemaVersion() + " for "
                    + ceType + " (this reader knows 1.." + VlmeshEvent.CURRENT_SCHEMA_VERSION + ")");
        }
        require(event.eventId(), "eventId", ceType);
        if (event.time() == null) {
            throw new UnreadableRecordException("missing time in " + ceType);
        }
        switch (event) {
            case JobEvent j -> {
                require(j.jobId(), "jobId", ceType);
                require(j.tenantId(), "tenantId", ceType);
                if (j instanceof JobSubmitted s && s.task() == null) {
                    throw new UnreadableRecordException("missing task in " + ceType);
                }
            }
            case CheckpointEvent c -> {
                require(c.conversionId(), "conversionId", ceType);
                require(c.modelName(), "modelName", ceType);
            }
        }
    }

    private static void require(String value, String field, String ceType) throws UnreadableRecordException {
        if (value == null || value.isBlank()) {
            throw new UnreadableRecordException("missing " + field + " in " + ceType);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
