package dev.vlmesh.events;

import java.time.Instant;

/**
 * The job's final answer. {@code finishReason} is {@code stop} (end of turn), {@code length} (max new tokens) or
 * {@code cancelled} (a cancel request; the text is what was generated until then).
 */
public record JobCompleted(
        int schemaVersion,
        String eventId,
        Instant time,
        String jobId,
        String tenantId,
        int attempt,
        String text,
        String finishReason,
        Usage usage,
        Timings timings,
        String model,
        String modelVersion,
        String workerId) implements JobEvent {

    public static JobCompleted of(String jobId, String tenantId, int attempt, String text, String finishReason,
                                  Usage usage, Timings timings, String model, String modelVersion, String workerId) {
        return new JobCompleted(CURRENT_SCHEMA_VERSION, Ids.newEventId(), Instant.now(), jobId, tenantId, attempt,
                text, finishReason, usage, timings, model, modelVersion, workerId);
    }
}
