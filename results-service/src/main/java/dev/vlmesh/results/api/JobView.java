package dev.vlmesh.results.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.Timings;
import dev.vlmesh.results.state.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A job as the API shows it (snake_case JSON). Internal bookkeeping of {@link JobState} stays out. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobView(
        String id,
        String object,
        String status,
        String task,
        String prompt,
        String model,
        String modelVersion,
        String requestedModelVersion,
        String batchId,
        String customId,
        Instant createdAt,
        Instant startedAt,
        Instant firstTokenAt,
        Instant finishedAt,
        int attempt,
        String text,
        List<JobState.Segment> segments,
        String finishReason,
        UsageView usage,
        Latency latency,
        Timings timings,
        JobState.JobError error,
        List<MediaView> media,
        long lastEventId,
        Integer missingDeltas,
        JobState.WebhookState webhook,
        Map<String, String> links) {

    public record UsageView(int promptTokens, int imageTokens, int completionTokens, int totalTokens) {
    }

    /** Wall-clock times seen by results-service, from event timestamps. */
    public record Latency(Long queueMs, Long timeToFirstTokenMs, Long totalMs) {
    }

    public record MediaView(String kind, String format, int width, int height, long sizeBytes,
                            Double durationSeconds, String sha256) {
    }

    public static JobView of(JobState s) {
        UsageView usage = s.usage == null ? null : new UsageView(s.usage.promptTokens(), s.usage.imageTokens(),
                s.usage.completionTokens(), s.usage.totalTokens());
        List<MediaView> media = s.media.stream().map(JobView::media).toList();
        return new JobView(s.jobId, "job", s.status.name(), s.task, s.prompt, s.model, s.modelVersion,
                s.requestedModelVersion, s.batchId, s.customId, s.createdAt, s.startedAt, s.firstTokenAt,
                s.finishedAt, s.attempt, s.text, s.segments.isEmpty() ? null : List.copyOf(s.segments),
                s.finishReason, usage, latency(s), s.timings, s.error, media.isEmpty() ? null : media, s.streamSeq,
                s.deltaGaps == 0 ? null : s.deltaGaps, s.webhook,
                Map.of("self", "/v1/jobs/" + s.jobId, "events", "/v1/jobs/" + s.jobId + "/events"));
    }

    private static MediaView media(MediaRef m) {
        return new MediaView(m.kind() == null ? null : m.kind().name(), m.format(), m.width(), m.height(),
                m.sizeBytes(), m.durationSeconds(), m.sha256());
    }

    private static Latency latency(JobState s) {
        Long queue = s.submitted ? between(s.createdAt, s.startedAt) : null;
        Long ttft = between(s.startedAt, s.firstTokenAt);
        Long total = s.submitted ? between(s.createdAt, s.finishedAt) : between(s.startedAt, s.finishedAt);
        return queue == null && ttft == null && total == null ? null : new Latency(queue, ttft, total);
    }

    private static Long between(Instant a, Instant b) {
        return a == null || b == null ? null : Math.max(0, Duration.between(a, b).toMillis());
    }
}
