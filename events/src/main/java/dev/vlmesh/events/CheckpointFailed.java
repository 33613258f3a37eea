package dev.vlmesh.events;

import java.time.Instant;

/** A conversion was refused or failed; {@code reason} tells the operator what to fix. */
public record CheckpointFailed(
        int schemaVersion,
        String eventId,
        Instant time,
        String conversionId,
        String modelName,
        String code,
        String reason) implements CheckpointEvent {

    public static CheckpointFailed of(String conversionId, String modelName, String code, String reason) {
        return new CheckpointFailed(CURRENT_SCHEMA_VERSION, Ids.newEventId(), Instant.now(), conversionId, modelName,
                code, reason);
    }
}
