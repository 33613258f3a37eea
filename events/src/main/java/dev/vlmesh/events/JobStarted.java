package dev.vlmesh.events;

import java.time.Instant;

/** A worker took the job. {@code attempt} counts from 1; a redelivered job starts again with a higher attempt. */
public record JobStarted(
        int schemaVersion,
        String eventId,
        Instant time,
        String jobId,
        String tenantId,
        String workerId,
        String model,
        String modelVersion,
        int attempt) implements JobEvent {

    public static JobStarted of(String jobId, String tenantId, String workerId, String model, String modelVersion,
                                int attempt) {
        return new JobStarted(CURRENT_SCHEMA_VERSION, Ids.newEventId(), Instant.now(), jobId, tenantId, workerId,
                model, modelVersion, attempt);
    }
}
