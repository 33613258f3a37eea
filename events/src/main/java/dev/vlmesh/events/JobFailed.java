package dev.vlmesh.events;

import java.time.Instant;

/**
 * The job ended without an answer. {@code code} is stable and machine-readable (see {@link ErrorCodes});
 * {@code reason} is for a person.
 */
public record JobFailed(
        int schemaVersion,
        String eventId,
        Instant time,
        String jobId,
        String tenantId,
        int attempt,
        String code,
        String reason,
        String workerId) implements JobEvent {

    public static JobFailed of(String jobId, String tenantId, int attempt, String code, String reason,
                               String workerId) {
        return new JobFailed(CURRENT_SCHEMA_VERSION, Ids.newEventId(), Instant.now(), jobId, tenantId, attempt, code,
                reason, workerId);
    }
}
