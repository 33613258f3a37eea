package dev.vlmesh.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * Newly generated text of a job, coalesced over a few tokens. {@code seq} starts at 0 and increases by one per delta
 * of an attempt, so a reader detects gaps; a retried attempt restarts at 0 with a new {@code attempt}.
 *
 * @param segment video segment index in segment mode, null otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenDelta(
        int schemaVersion,
        String eventId,
        Instant time,
        String jobId,
        String tenantId,
        int attempt,
        long seq,
        String text,
        int tokens,
        Integer segment) implements JobEvent {

    public static TokenDelta of(String jobId, String tenantId, int attempt, long seq, String text, int tokens,
                                Integer segment) {
        return new TokenDelta(CURRENT_SCHEMA_VERSION, Ids.newEventId(), Instant.now(), jobId, tenantId, attempt, seq,
                text, tokens, segment);
    }
}
