package dev.vlmesh.results.state;

import dev.vlmesh.events.JobCancelRequested;
import dev.vlmesh.events.JobCompleted;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobFailed;
import dev.vlmesh.events.JobStarted;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.SegmentCompleted;
import dev.vlmesh.events.TokenDelta;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Applies one job event to a job's state. Pure: no store, no clock, no I/O, so every instance that folds the same
 * partition in the same order reaches the same state and numbers the stream the same way.
 *
 * <p>Retry rules: a higher {@code attempt} restarts the answer (text and segments reset, the stream event says
 * {@code reset: true}); events of an older attempt are stale and dropped; a TokenDelta whose seq is not above the
 * last one of its attempt is a duplicate and dropped; the first terminal event wins, whatever its attempt, and
 * nothing changes a job afterwards. Duplicates by eventId are filtered before this (see {@code JobProcessor}).
 */
public final class JobFold {

    private JobFold() {
    }

    /**
     * @param state   the job's state, or null when the job is new
     * @param event   the event
     * @return the new state and the stream event it produced, or {@link Outcome#ignored} with the reason
     */
    public static Outcome apply(JobState state, JobEvent event) {
        if (state != null && !state.tenantId.equals(event.tenantId())) {
            return Outcome.ignored(state, "tenant mismatch: job belongs to another tenant than the event claims");
        }
        JobState s = state != null ? state : JobState.create(event.jobId(), event.tenantId(), event.time());
        return switch (event) {
            case JobSubmitted e -> submitted(s, e);
            case JobStarted e -> started(s, e);
            case TokenDelta e -> delta(s, e);
            case SegmentCompleted e -> segment(s, e);
            case JobCompleted e -> completed(s, e);
            case JobFailed e -> failed(s, e);
            case JobCancelRequested e -> Outcome.ignored(s, "cancel requests travel on the control topic");
        };
    }

    private static Outcome submitted(JobState s, JobSubmitted e) {
        if (s.submitted) {
            return Outcome.ignored(s, "job already submitted");
        }
        s.submitted = true;
        s.batchId = e.batchId();
        s.customId = e.customId();
        s.task = e.task().wire();
        s.prompt = e.prompt();
        s.model = e.model();
        s.requestedModelVersion = e.modelVersion();
        s.callbackUrl = e.callbackUrl();
        s.priority = e.priority();
        s.media = new java.util.ArrayList<>(e.media());
        // The submission time is the creation time, even when worker events were folded first.
        s.createdAt = e.time();
        Map<String, Object> d = base(s, 0, e.time());
        d.put("task", s.task);
        put(d, "batch_id", s.batchId);
        put(d, "custom_id", s.customId);
        d.put("created_at", s.createdAt.toString());
        return Outcome.changed(s, new StreamEvent(s.jobId, s.tenantId, 0, StreamEvent.SUBMITTED, e.time(),
                StoreJson.api(d)));
    }

    private static Outcome started(JobState s, JobStarted e) {
        if (s.status.terminal()) {
            return Outcome.ignored(s, "job already ended");
        }
        if (e.attempt() < s.attempt || (e.attempt() == s.attempt && s.startedAt != null)) {
            return Outcome.ignored(s, "stale or repeated start of attempt " + e.attempt());
        }
        boolean reset = beginAttempt(s, e.attempt());
        s.status = JobStatus.running;
        s.startedAt = e.time();
        s.workerId = e.workerId();
        if (e.model() != null) {
            s.model = e.model();
        }
        s.modelVersion = e.modelVersion();
        Map<String, Object> d = next(s, e.time());
        d.put("attempt", s.attempt);
        put(d, "worker_id", s.workerId);
        put(d, "model", s.model);
        put(d, "model_version", s.modelVersion);
        d.put("reset", reset);
        return numbered(s, StreamEvent.STARTED, e.time(), d);
    }

    private static Outcome delta(JobState s, TokenDelta e) {
        if (s.status.terminal()) {
            return Outcome.ignored(s, "job already ended");
        }
        if (e.attempt() < s.attempt) {
            return Outcome.ignored(s, "delta of stale attempt " + e.attempt());
        }
        // a delta of a new attempt whose JobStarted we never saw still starts that attempt
        boolean reset = e.attempt() > s.attempt && beginAttempt(s, e.attempt());
        if (e.seq() <= s.deltaSeq) {
            return Outcome.ignored(s, "repeated delta seq " + e.seq() + " of attempt " + e.attempt());
        }
        if (e.seq() > s.deltaSeq + 1) {
            s.deltaGaps += (int) Math.min(Integer.MAX_VALUE, e.seq() - s.deltaSeq - 1);
        }
        s.deltaSeq = e.seq();
        s.status = JobStatus.running;
        if (s.startedAt == null) {
            s.startedAt = e.time();
        }
        if (s.firstTokenAt == null) {
            s.firstTokenAt = e.time();
        }
        String text = e.text() == null ? "" : e.text();
        s.text = s.text + text;
        s.completionTokens += Math.max(0, e.tokens());
        Map<String, Object> d = next(s, e.time());
        d.put("attempt", s.attempt);
        d.put("index", e.seq());
        d.put("text", text);
        d.put("tokens", e.tokens());
        put(d, "segment", e.segment());
        if (reset) {
            d.put("reset", true);
        }
        return numbered(s, StreamEvent.DELTA, e.time(), d);
    }

    private static Outcome segment(JobState s, SegmentCompleted e) {
        if (s.status.terminal()) {
            return Outcome.ignored(s, "job already ended");
        }
        if (e.attempt() < s.attempt) {
            return Outcome.ignored(s, "segment of stale attempt " + e.attempt());
        }
        boolean reset = e.attempt() > s.attempt && beginAttempt(s, e.attempt());
        if (s.segments.stream().anyMatch(x -> x.segment() == e.segment())) {
            return Outcome.ignored(s, "repeated segment " + e.segment() + " of attempt " + e.attempt());
        }
        s.status = JobStatus.running;
        if (s.startedAt == null) {
            s.startedAt = e.time();
        }
        s.segments.add(new JobState.Segment(e.segment(), e.startSeconds(), e.endSeconds(), e.text()));
        Map<String, Object> d = next(s, e.time());
        d.put("attempt", s.attempt);
        d.put("segment", e.segment());
        d.put("start_seconds", e.startSeconds());
        d.put("end_seconds", e.endSeconds());
        put(d, "text", e.text());
        if (reset) {
            d.put("reset", true);
        }
        return numbered(s, StreamEvent.SEGMENT, e.time(), d);
    }

    private static Outcome completed(JobState s, JobCompleted e) {
        if (s.status.terminal()) {
            return Outcome.ignored(s, "job already ended");
        }
        s.attempt = Math.max(s.attempt, e.attempt());
        s.status = "cancelled".equals(e.finishReason()) ? JobStatus.cancelled : JobStatus.succeeded;
        if (e.text() != null) {
            s.text = e.text();
        }
        s.finishReason = e.finishReason();
        s.usage = e.usage();
        s.timings = e.timings();
        if (e.model() != null) {
            s.model = e.model();
        }
        if (e.modelVersion() != null) {
            s.modelVersion = e.modelVersion();
        }
        if (e.workerId() != null) {
            s.workerId = e.workerId();
        }
        s.finishedAt = e.time();
        s.terminalEventId = e.eventId();
        Map<String, Object> d = next(s, e.time());
        d.put("attempt", s.attempt);
        put(d, "finish_reason", s.finishReason);
        d.put("text", s.text);
        put(d, "usage", s.usage);
        put(d, "timings", s.timings);
        put(d, "model", s.model);
        put(d, "model_version", s.modelVersion);
        return numbered(s, StreamEvent.COMPLETED, e.time(), d);
    }

    private static Outcome failed(JobState s, JobFailed e) {
        if (s.status.terminal()) {
            return Outcome.ignored(s, "job already ended");
        }
        s.attempt = Math.max(s.attempt, e.attempt());
        s.status = JobStatus.failed;
        s.error = new JobState.JobError(e.code(), e.reason());
        if (e.workerId() != null) {
            s.workerId = e.workerId();
        }
        s.finishedAt = e.time();
        s.terminalEventId = e.eventId();
        Map<String, Object> d = next(s, e.time());
        d.put("attempt", s.attempt);
        d.put("error", Map.of("code", nz(e.code()), "message", nz(e.reason())));
        return numbered(s, StreamEvent.FAILED, e.time(), d);
    }

    /** Moves the job to {@code attempt}; true when an earlier attempt's output was thrown away. */
    private static boolean beginAttempt(JobState s, int attempt) {
        boolean hadOutput = s.attempt > 0 || !s.text.isEmpty() || !s.segments.isEmpty();
        s.attempt = attempt;
        s.text = "";
        s.deltaSeq = -1;
        s.completionTokens = 0;
        s.segments = new java.util.ArrayList<>();
        s.firstTokenAt = null;
        return hadOutput;
    }

    private static Map<String, Object> next(JobState s, Instant time) {
        s.streamSeq++;
        return base(s, s.streamSeq, time);
    }

    private static Map<String, Object> base(JobState s, long seq, Instant time) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("job_id", s.jobId);
        d.put("seq", seq);
        d.put("status", s.status.name());
        d.put("time", time.toString());
        return d;
    }

    private static Outcome numbered(JobState s, String name, Instant time, Map<String, Object> data) {
        return Outcome.changed(s, new StreamEvent(s.jobId, s.tenantId, s.streamSeq, name, time,
                StoreJson.api(data)));
    }

    private static void put(Map<String, Object> d, String key, Object value) {
        if (value != null) {
            d.put(key, value);
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** What folding one event did. */
    public record Outcome(JobState state, StreamEvent event, String ignoredReason) {

        static Outcome changed(JobState s, StreamEvent e) {
            return new Outcome(s, e, null);
        }

        static Outcome ignored(JobState s, String reason) {
            return new Outcome(s, null, reason);
        }

        public boolean isIgnored() {
            return ignoredReason != null;
        }
    }
}
