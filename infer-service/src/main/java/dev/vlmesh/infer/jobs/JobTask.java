package dev.vlmesh.infer.jobs;

import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.GenerationOptions;
import dev.vlmesh.events.JobCompleted;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobFailed;
import dev.vlmesh.events.JobStarted;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.SegmentCompleted;
import dev.vlmesh.events.Task;
import dev.vlmesh.events.Timings;
import dev.vlmesh.events.Usage;
import dev.vlmesh.infer.backend.GenerationInput;
import dev.vlmesh.infer.backend.InferenceBackend;
import dev.vlmesh.infer.backend.JobFailure;
import dev.vlmesh.infer.backend.MediaInput;
import dev.vlmesh.infer.backend.Outcome;
import dev.vlmesh.infer.backend.SegmentSink;
import dev.vlmesh.infer.cancel.StopSignal;
import dev.vlmesh.infer.config.WorkerSettings;
import dev.vlmesh.infer.media.StoreMedia;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * One submitted job on this worker, from the record's arrival to its terminal event. Each try publishes
 * {@code JobStarted} with the next attempt number, streams coalesced deltas and ends with {@code JobCompleted} or
 * {@code JobFailed}; only then is the record's offset released for commit. A retryable failure goes back to the
 * queue with backoff; the last allowed attempt moves the record to the dead-letter topic. An abort (the partition
 * moved away, shutdown) ends the job here with no terminal event at all, so its next owner runs it again.
 */
public final class JobTask implements BatchScheduler.Work {

    private static final Logger LOG = Logger.getLogger(JobTask.class);
    private static final long DUPLICATE_WAIT_NANOS = 200_000_000L;

    enum State { QUEUED, RUNNING, FINISHING, DONE, ABORTED }

    private final JobContext ctx;
    private final ConsumerRecord<byte[], byte[]> record;
    private final JobSubmitted job;
    private final Consumer<JobTask> onEnd;
    private final TopicPartition partition;
    private final AtomicReference<State> state = new AtomicReference<>(State.QUEUED);
    private final Object runMonitor = new Object();
    private final long memory;
    private volatile StopSignal stop = new StopSignal();
    private volatile long notBefore;
    private boolean inRun;
    private boolean retry;
    private long startMillis;
    private int attempt;

    JobTask(JobContext ctx, ConsumerRecord<byte[], byte[]> record, JobSubmitted job, Consumer<JobTask> onEnd) {
        this.ctx = ctx;
        this.record = record;
        this.job = job;
        this.onEnd = onEnd;
        this.partition = new TopicPartition(record.topic(), record.partition());
        this.memory = estimateMemory();
    }

    public String jobId() {
        return job.jobId();
    }

    public TopicPartition partition() {
        return partition;
    }

    public long offset() {
        return record.offset();
    }

    @Override
    public int priority() {
        return job.priority();
    }

    @Override
    public long memoryBytes() {
        return memory;
    }

    @Override
    public long notBeforeNanos() {
        return notBefore;
    }

    private long estimateMemory() {
        try {
            return ctx.backend().memoryEstimate(input(List.of()));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    @Override
    public void run() {
        synchronized (runMonitor) {
            if (!state.compareAndSet(State.QUEUED, State.RUNNING)) {
                return;
            }
            inRun = true;
        }
        MDC.put("jobId", job.jobId());
        retry = false;
        try {
            attemptOnce();
        } finally {
            MDC.remove("jobId");
            synchronized (runMonitor) {
                inRun = false;
                runMonitor.notifyAll();
            }
        }
        if (retry && state.compareAndSet(State.RUNNING, State.QUEUED)) {
            ctx.scheduler().submit(this);
        } else if (state.get() == State.ABORTED) {
            ctx.running().remove(job.jobId(), this);
        }
    }

    private void attemptOnce() {
        WorkerSettings s = ctx.settings();
        long start = System.nanoTime();
        startMillis = System.currentTimeMillis();
        try {
            if (attempt == 0) {
                JobTask owner = ctx.running().putIfAbsent(job.jobId(), this);
                if (owner != null && owner != this) {
                    // the same job from another record runs here: decide once it has ended
                    notBefore = System.nanoTime() + DUPLICATE_WAIT_NANOS;
                    retry = true;
                    return;
                }
                // end offsets taken after this record arrived: every terminal event acknowledged before is below them
                ctx.index().awaitCaughtUp(ctx.index().endOffsets(), Duration.ofSeconds(60));
                if (ctx.index().isTerminal(job.jobId())) {
                    LOG.infof("job %s already has a terminal event; skipping the redelivered record", job.jobId());
                    ctx.metrics().outcome("skipped");
                    end();
                    return;
                }
                attempt = ctx.index().lastAttempt(job.jobId()) + 1;
            } else {
                attempt++;
            }
            if (attempt > s.maxAttempts()) {
                exhausted("the job was started " + (attempt - 1) + " times without finishing (workers stopped during it)");
                return;
            }
            stop = new StopSignal();
            if (state.get() == State.ABORTED) {
                stop.stop(StopSignal.Reason.ABORT);
                return;
            }
            ctx.cancels().register(job.jobId(), stop);
            try {
                runAttempt(start);
            } finally {
                ctx.cancels().unregister(job.jobId(), stop);
            }
        } catch (JobFailure f) {
            if (stop.aborted()) {
                return;
            }
            if (!f.isRetryable()) {
                LOG.warnf("job %s failed (%s): %s", job.jobId(), f.code(), f.getMessage());
                terminal(JobFailed.of(job.jobId(), job.tenantId(), attempt, f.code(), f.getMessage(), s.workerId()),
                        "failed");
            } else if (attempt < s.maxAttempts()) {
                retryLater(f);
            } else {
                exhausted("attempt " + attempt + " failed (" + f.code() + "): " + f.getMessage());
            }
        } catch (EventPublisher.PublishException e) {
            LOG.warnf(e, "job %s: could not publish; retrying", job.jobId());
            retryLater(JobFailure.retryable(ErrorCodes.INTERNAL, e.getMessage(), e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            state.set(State.ABORTED);
        } catch (TimeoutException e) {
            LOG.warnf("job %s: %s", job.jobId(), e.getMessage());
            retryLater(JobFailure.retryable(ErrorCodes.INTERNAL, e.getMessage(), e));
        } catch (RuntimeException e) {
            if (stop.aborted()) {
                return;
            }
            LOG.errorf(e, "job %s: unexpected error", job.jobId());
            if (attempt < s.maxAttempts()) {
                retryLater(JobFailure.retryable(ErrorCodes.INTERNAL, String.valueOf(e), e));
            } else {
                exhausted("attempt " + attempt + " failed: " + e);
            }
        }
    }

    private void runAttempt(long startNanos) throws JobFailure, InterruptedException, EventPublisher.PublishException {
        WorkerSettings s = ctx.settings();
        checkModel(s);
        List<StoreMedia> media = new ArrayList<>();
        for (MediaRef ref : job.media()) {
            media.add(new StoreMedia(ctx.s3(), ref, s.maxMediaBytes()));
        }
        GenerationInput input = input(new ArrayList<>(media));
        try (InferenceBackend.Session session = ctx.backend().open(job.modelVersion())) {
            ctx.publisher().send(JobStarted.of(job.jobId(), job.tenantId(), s.workerId(), session.model(),
                    session.version(), attempt));
            LOG.infof("job %s attempt %d started on %s %s (%d media, max %d new tokens)", job.jobId(), attempt,
                    session.model(), session.version(), media.size(), input.maxNewTokens());
            DeltaCoalescer deltas = new DeltaCoalescer(ctx.publisher(), job.jobId(), job.tenantId(), attempt,
                    s.deltaIntervalMs(), s.deltaMaxTokens(), System::nanoTime);
            Outcome outcome;
            List<SegmentSummary.Segment> segments = new ArrayList<>();
            if (ctx.cancels().isCancelled(job.jobId())) {
                outcome = new Outcome("", "cancelled", 0, 0, 0, 0, 0, 0, 0, 0);
            } else if (input.segmented()) {
                outcome = session.generateSegments(input, segmentSink(deltas, segments), stop);
            } else {
                outcome = session.generate(input, deltas::accept, stop);
            }
            if (stop.aborted()) {
                return;
            }
            if (!input.segmented()) {
                deltas.complete(outcome.text());
            }
            deltas.finish();
            long fetchMs = media.stream().mapToLong(StoreMedia::fetchMs).sum();
            long totalMs = (System.nanoTime() - startNanos) / 1_000_000;
            // from submission (the record's timestamp) to this attempt's start
            long queueMs = record.timestamp() > 0 ? Math.max(0, startMillis - record.timestamp()) : 0;
            Timings timings = new Timings(queueMs, fetchMs, outcome.preprocessMs(), outcome.visionMs(),
                    outcome.prefillMs(), outcome.decodeMs(), outcome.timeToFirstTokenMs(), totalMs);
            Usage usage = new Usage(outcome.promptTokens(), outcome.imageTokens(), outcome.completionTokens());
            String finish = stop.stopped() ? "cancelled" : outcome.finishReason();
            // the deltas are what readers saw; the terminal text is exactly their concatenation (in segment mode:
            // the published window answers joined with their time ranges)
            String text = input.segmented() ? SegmentSummary.join(segments) : deltas.text();
            if (!input.segmented() && !text.equals(outcome.text())) {
                LOG.warnf("job %s: the backend's final text differs from what it streamed; publishing the streamed "
                        + "text", job.jobId());
            }
            if (terminal(JobCompleted.of(job.jobId(), job.tenantId(), attempt, text, finish, usage, timings,
                    session.model(), session.version(), s.workerId()), "cancelled".equals(finish) ? "cancelled"
                    : "completed")) {
                ctx.metrics().generation(outcome, totalMs);
                LOG.infof("job %s completed (%s): %d tokens, %d deltas, %d ms (fetch %d, preprocess %d, vision %d, "
                        + "prefill %d, decode %d, first token %d)", job.jobId(), finish, outcome.completionTokens(),
                        deltas.deltasSent(), totalMs, fetchMs, outcome.preprocessMs(), outcome.visionMs(),
                        outcome.prefillMs(), outcome.decodeMs(), outcome.timeToFirstTokenMs());
            }
        }
    }

    /**
     * One jobs topic feeds one deployment, so a job naming another model cannot be answered here or by any other
     * worker of the group: it fails at once rather than get another model's answer. A job naming no model (older
     * producers) runs on the served one.
     */
    private void checkModel(WorkerSettings s) throws JobFailure {
        String asked = job.model() == null ? "" : job.model().strip();
        String served = s.servedModel().orElse(null);
        if (served != null && !asked.isEmpty() && !asked.equals(served)) {
            throw JobFailure.permanent(ErrorCodes.MODEL_NOT_FOUND, "model '" + asked + "' is not served here: the "
                    + "workers of this deployment run '" + served + "'");
        }
    }

    /**
     * Segment mode: each window's deltas are tagged with its index, and once its answer is complete the window is
     * published as {@code SegmentCompleted} (after its deltas were acknowledged, so readers see them first).
     */
    private SegmentSink segmentSink(DeltaCoalescer deltas, List<SegmentSummary.Segment> segments) {
        return new SegmentSink() {
            @Override
            public void segmentStarted(int segment, double startSeconds, double endSeconds) {
                deltas.startSegment(segment);
            }

            @Override
            public void text(String text, int tokens) {
                deltas.accept(text, tokens);
            }

            @Override
            public void segmentCompleted(int segment, double startSeconds, double endSeconds, String answer)
                    throws JobFailure, InterruptedException {
                if (stop.aborted()) {
                    return;
                }
                deltas.complete(answer);
                try {
                    deltas.finish();
                    String text = deltas.text();
                    ctx.publisher().sendAndWait(SegmentCompleted.of(job.jobId(), job.tenantId(), attempt, segment,
                            startSeconds, endSeconds, text));
                    segments.add(new SegmentSummary.Segment(segment, startSeconds, endSeconds, text));
                    LOG.infof("job %s segment %d (%.1f–%.1f s) published: %d chars", job.jobId(), segment,
                            startSeconds, endSeconds, text.length());
                } catch (EventPublisher.PublishException e) {
                    throw JobFailure.retryable(ErrorCodes.INTERNAL, e.getMessage(), e);
                }
            }
        };
    }

    /** The job's generation input; media stays lazy (fetched by the backend when it needs the bytes). */
    private GenerationInput input(List<MediaInput> media) {
        WorkerSettings s = ctx.settings();
        GenerationOptions o = job.options();
        int maxNew = Math.min(o.maxNewTokens() == null ? s.defaultMaxNewTokens() : Math.max(1, o.maxNewTokens()),
                s.maxNewTokensCap());
        int tiles = o.maxTiles() == null ? s.defaultMaxTiles() : Math.max(1, o.maxTiles());
        int frames = o.numFrames() == null ? s.defaultNumFrames() : Math.max(1, o.numFrames());
        double temperature = o.temperature() == null ? 0 : o.temperature();
        List<MediaInput> lazy = media.isEmpty() ? placeholders() : media;
        return new GenerationInput(null, List.of(), question(), lazy, maxNew, tiles, frames, temperature, o.topP(),
                o.topK(), o.seed(), o.segmentSeconds(), o.startSeconds(), o.endSeconds());
    }

    /** Media stand-ins for the memory estimate before anything is fetched. */
    private List<MediaInput> placeholders() {
        List<MediaInput> out = new ArrayList<>();
        for (MediaRef r : job.media()) {
            out.add(MediaInput.ofBytes(r.kind(), r.format(), new byte[0]));
        }
        return out;
    }

    private String question() {
        String p = job.prompt() == null ? "" : job.prompt().strip();
        if (!p.isEmpty()) {
            return p;
        }
        boolean video = job.media().stream().anyMatch(m -> m.kind() == MediaRef.Kind.video);
        Task t = job.task() == null ? Task.DESCRIBE : job.task();
        return switch (t) {
            case OCR -> "Please read all the text in the image.";
            case DESCRIBE, CHAT -> video ? "Please describe the video in detail." : "Please describe the image in detail.";
        };
    }

    private void retryLater(JobFailure f) {
        long backoff = ctx.settings().retryBackoffMs() << Math.min(10, Math.max(0, attempt - 1));
        LOG.warnf("job %s attempt %d failed (%s): %s; retrying in %d ms", job.jobId(), attempt, f.code(),
                f.getMessage(), backoff);
        ctx.metrics().outcome("retried");
        notBefore = System.nanoTime() + backoff * 1_000_000;
        retry = true;
    }

    private void exhausted(String reason) {
        try {
            ctx.deadLetters().deadLetter(record, ErrorCodes.RETRIES_EXHAUSTED, reason);
            ctx.metrics().outcome("dead_lettered");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            LOG.errorf(e, "job %s: could not dead-letter; trying again", job.jobId());
            notBefore = System.nanoTime() + ctx.settings().retryBackoffMs() * 1_000_000;
            retry = true;
            return;
        }
        LOG.warnf("job %s moved to the dead-letter topic: %s", job.jobId(), reason);
        terminal(JobFailed.of(job.jobId(), job.tenantId(), Math.max(1, Math.min(attempt, ctx.settings().maxAttempts())),
                ErrorCodes.RETRIES_EXHAUSTED, reason, ctx.settings().workerId()), "failed");
    }

    /** Publishes the terminal event unless the job was aborted meanwhile, then releases the offset. */
    private boolean terminal(JobEvent event, String outcome) {
        if (!state.compareAndSet(State.RUNNING, State.FINISHING)) {
            return false;
        }
        try {
            ctx.publisher().sendAndWait(event);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            state.set(State.ABORTED);
            return false;
        } catch (EventPublisher.PublishException e) {
            state.set(State.RUNNING);
            retryLater(JobFailure.retryable(ErrorCodes.INTERNAL, e.getMessage(), e));
            return false;
        }
        ctx.metrics().outcome(outcome);
        end();
        return true;
    }

    private void end() {
        state.set(State.DONE);
        ctx.running().remove(job.jobId(), this);
        ctx.tracker().finish(partition, record.offset());
        onEnd.accept(this);
    }

    /**
     * The partition left this worker: stop (no terminal event) and wait until the attempt has returned. A job
     * already publishing its terminal event is let finish, so its offset is committed.
     */
    public void abort(Duration wait) throws InterruptedException {
        state.compareAndSet(State.QUEUED, State.ABORTED);
        state.compareAndSet(State.RUNNING, State.ABORTED);
        stop.stop(StopSignal.Reason.ABORT);
        synchronized (runMonitor) {
            long deadline = System.nanoTime() + wait.toNanos();
            while (inRun) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warnf("job %s did not stop within %s", job.jobId(), wait);
                    return;
                }
                runMonitor.wait(Math.max(1, left / 1_000_000));
            }
        }
        if (state.get() == State.ABORTED) {
            ctx.running().remove(job.jobId(), this);
        }
    }

    @Override
    public void dropped() {
        state.compareAndSet(State.QUEUED, State.ABORTED);
        ctx.running().remove(job.jobId(), this);
    }
}
