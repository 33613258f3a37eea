package dev.vlmesh.events;

import java.time.Instant;

/** A user asked to stop a job. Broadcast to every worker; the one running the job stops within one decode step. */
public record JobCancelRequested(
        int schemaVersion,
        String eventId,
        Instant time,
        String jobId,
        String tenantId,
        String reason) implements JobEvent {

    public static JobCancelRequested of(String jobId, String tenantId, String reason) {
        return new JobCancelRequested(CURRENT_SCHEMA_VERSION, Ids.newEventId(), Instant.now(), jobId, tenantId,
                reason);
    }
}
