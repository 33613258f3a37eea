package dev.vlmesh.events;

import java.time.Instant;

/** In video segment mode, the answer for one time window, published as soon as that window is described. */
public record SegmentCompleted(
        int schemaVersion,
        String eventId,
        Instant time,
        String jobId,
        String tenantId,
        int attempt,
        int segment,
        double startSeconds,
        double endSeconds,
        String text) implements JobEvent {

    public static SegmentCompleted of(String jobId, String tenantId, int attempt, int segment, double startSeconds,
                                      double endSeconds, String text) {
        return new SegmentCompleted(CURRENT_SCHEMA_VERSION, Ids.newEventId(), Instant.now(), jobId, tenantId, attempt,
                segment, startSeconds, endSeconds, text);
    }
}
