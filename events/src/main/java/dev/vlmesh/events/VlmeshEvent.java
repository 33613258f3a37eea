package dev.vlmesh.events;

import java.time.Instant;

/**
 * Every message that crosses a topic. The record value is the event as JSON; its CloudEvents type travels in the
 * {@code ce_type} header (binary mode), so a consumer knows what it holds before parsing the body.
 */
public sealed interface VlmeshEvent permits JobEvent, CheckpointEvent {

    /** Bumped only on an incompatible change; readers ignore unknown fields, so additions keep the version. */
    int CURRENT_SCHEMA_VERSION = 1;

    int schemaVersion();

    /** Unique per event (the CloudEvents id); consumers use it to drop duplicates. */
    String eventId();

    Instant time();

    /** The Kafka record key: all events of one job (or one model) land on one partition, in order. */
    String key();

    default EventType type() {
        return EventType.of(getClass());
    }
}
