package dev.vlmesh.ingest.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import java.time.Instant;
import java.util.List;

/**
 * The 202 body: the job's id, what was accepted, and where to follow it (results-service). snake_case on the wire,
 * like results-service's answers; the naming is on the type so every mapper (the HTTP layer's, and the one that stores
 * the body for Idempotency-Key replays) writes the same names.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record JobAccepted(String id, String object, String status, String task, String model, String modelVersion,
                          String customId, String batchId, Instant createdAt, List<MediaSummary> media, Links links) {

    /** @param status the job's state at results-service; @param events its server-sent event stream */
    public record Links(String status, String events) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record MediaSummary(String sha256, String kind, String format, long sizeBytes, int width, int height,
                               Double durationSeconds, Long frameCount) {
        static MediaSummary of(MediaRef r) {
            return new MediaSummary(r.sha256(), r.kind().name(), r.format(), r.sizeBytes(), r.width(), r.height(),
                    r.durationSeconds(), r.frameCount());
        }
    }

    public static JobAccepted of(JobSubmitted e, String resultsBaseUrl) {
        String base = resultsBaseUrl.endsWith("/") ? resultsBaseUrl.substring(0, resultsBaseUrl.length() - 1)
                : resultsBaseUrl;
        String self = base + "/v1/jobs/" + e.jobId();
        return new JobAccepted(e.jobId(), "job", "queued", e.task().wire(), e.model(), e.modelVersion(), e.customId(),
                e.batchId(), e.time(), e.media().stream().map(MediaSummary::of).toList(),
                new Links(self, self + "/events"));
    }
}
