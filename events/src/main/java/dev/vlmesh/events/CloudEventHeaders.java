package dev.vlmesh.events;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** CloudEvents 1.0 Kafka protocol binding, binary content mode: attributes travel as {@code ce_*} headers. */
public final class CloudEventHeaders {

    public static final String SPECVERSION = "ce_specversion";
    public static final String ID = "ce_id";
    public static final String SOURCE = "ce_source";
    public static final String TYPE = "ce_type";
    public static final String TIME = "ce_time";
    public static final String SUBJECT = "ce_subject";
    public static final String CONTENT_TYPE = "content-type";
    public static final String SPEC_VERSION_1_0 = "1.0";
    public static final String JSON = "application/json";

    private CloudEventHeaders() {
    }

    public static void write(Headers headers, VlmeshEvent event, String source) {
        put(headers, SPECVERSION, SPEC_VERSION_1_0);
        put(headers, ID, event.eventId());
        put(headers, SOURCE, source);
        put(headers, TYPE, event.type().ceType());
        put(headers, TIME, event.time().toString());
        put(headers, SUBJECT, event.key());
        put(headers, CONTENT_TYPE, JSON);
    }

    /** The last value of a header as UTF-8, or null. */
    public static String read(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
