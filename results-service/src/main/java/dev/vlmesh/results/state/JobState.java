package dev.vlmesh.results.state;

import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.Timings;
import dev.vlmesh.events.Usage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything results-service knows about one job, as kept in the {@code jobs} state store (JSON). Mutable on
 * purpose: {@link JobFold} reads a copy from the store, changes it and writes it back, all on the stream thread.
 */
public final class JobState {

    public String jobId;
    public String tenantId;

    // from JobSubmitted
    public boolean submitted;
    public String batchId;
    public String customId;
    public String task;
    public String prompt;
    public String model;
    public String requestedModelVersion;
    public String callbackUrl;
    public int priority;
    public List<MediaRef> media = new ArrayList<>();

    public JobStatus status = JobStatus.queued;
    public int attempt;
    public String workerId;
    public String modelVersion;

    /** The answer so far; replaced by the final text on completion; reset when a new attempt starts. */
    public String text = "";
    /** Last TokenDelta seq of the current attempt, -1 before the first. */
    public long deltaSeq = -1;
    public int completionTokens;
    /** TokenDelta seq numbers that never arrived (the final text still comes whole with JobCompleted). */
    public int deltaGaps;
    public List<Segment> segments = new ArrayList<>();

    public String finishReason;
    public Usage usage;
    public Timings timings;
    public JobError error;

    public Instant createdAt;
    public Instant startedAt;
    public Instant firstTokenAt;
    public Instant finishedAt;

    /** Number of the last event in this job's stream (SSE ids count 1, 2, 3 … per job). */
    public long streamSeq;
    /** The eventId of the terminal event: the webhook id, stable across instances and replays. */
    public String terminalEventId;
    public WebhookState webhook;

    public record Segment(int segment, double startSeconds, double endSeconds, String text) {
    }

    public record JobError(String code, String message) {
    }

    /** Delivery state of the job's webhook, if it has a callback URL. */
    public record WebhookState(String status, int attempts, Instant lastAttemptAt, Integer lastStatusCode,
                               String lastError, Instant deliveredAt) {

        public static final String PENDING = "pending";
        public static final String DELIVERED = "delivered";
        public static final String GAVE_UP = "failed";
    }

    public static JobState create(String jobId, String tenantId, Instant createdAt) {
        JobState s = new JobState();
        s.jobId = jobId;
        s.tenantId = tenantId;
        s.createdAt = createdAt;
        return s;
    }
}
