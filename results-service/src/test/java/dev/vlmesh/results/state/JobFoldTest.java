package dev.vlmesh.results.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vlmesh.events.GenerationOptions;
import dev.vlmesh.events.JobCompleted;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobFailed;
import dev.vlmesh.events.JobStarted;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.SegmentCompleted;
import dev.vlmesh.events.Task;
import dev.vlmesh.events.TokenDelta;
import dev.vlmesh.events.Usage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobFoldTest {

    static final String JOB = "job_1";
    static final String T = "demo";

    /** Folds events in order, like the processor, keeping the stream events it produced. */
    static final class Run {
        JobState state;
        final List<StreamEvent> stream = new ArrayList<>();
        final List<String> ignored = new ArrayList<>();

        Run apply(JobEvent... events) {
            for (JobEvent e : events) {
                JobFold.Outcome o = JobFold.apply(state, e);
                if (o.isIgnored()) {
                    ignored.add(o.ignoredReason());
                } else {
                    state = o.state();
                    stream.add(o.event());
                }
            }
            return this;
        }
    }

    static JobSubmitted submitted() {
        return JobSubmitted.of(JOB, T, "batch_1", "c1", Task.DESCRIBE, null, List.of(), GenerationOptions.defaults(),
                "m", null, 0, "http://127.0.0.1:1/hook");
    }

    static JsonNode data(StreamEvent e) throws Exception {
        return new ObjectMapper().readTree(e.data());
    }

    @Test
    void numbersStreamEventsOneByOneAndEndsAtTheTerminalEvent() throws Exception {
        Run r = new Run().apply(submitted(), JobStarted.of(JOB, T, "w", "m", "v1", 1),
                TokenDelta.of(JOB, T, 1, 0, "Hel", 1, null), TokenDelta.of(JOB, T, 1, 1, "lo", 1, null),
                JobCompleted.of(JOB, T, 1, "Hello", "stop", new Usage(1, 2, 3), null, "m", "v1", "w"),
                TokenDelta.of(JOB, T, 1, 2, "late", 1, null));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), r.stream.stream().map(StreamEvent::seq).toList());
        assertEquals(List.of("submitted", "started", "delta", "delta", "completed"),
                r.stream.stream().map(StreamEvent::name).toList());
        assertEquals(JobStatus.succeeded, r.state.status);
        assertEquals("Hello", r.state.text);
        assertEquals(4, r.state.streamSeq);
        assertEquals(1, r.ignored.size(), "nothing changes a job after its terminal event");
        JsonNode done = data(r.stream.getLast());
        assertEquals("succeeded", done.path("status").asText());
        assertEquals(3, done.path("usage").path("completion_tokens").asInt());
    }

    @Test
    void aNewAttemptResetsTheTextAndStaleOrRepeatedDeltasAreDropped() throws Exception {
        Run r = new Run().apply(submitted(), JobStarted.of(JOB, T, "w1", "m", "v1", 1),
                TokenDelta.of(JOB, T, 1, 0, "old", 1, null),
                JobStarted.of(JOB, T, "w2", "m", "v1", 2),
                TokenDelta.of(JOB, T, 1, 1, "stale", 1, null),
                TokenDelta.of(JOB, T, 2, 0, "new ", 1, null),
                TokenDelta.of(JOB, T, 2, 0, "again", 1, null),
                TokenDelta.of(JOB, T, 2, 1, "text", 1, null),
                JobStarted.of(JOB, T, "w2", "m", "v1", 2));
        assertEquals("new text", r.state.text);
        assertEquals(2, r.state.attempt);
        assertEquals(3, r.ignored.size());
        JsonNode restart = data(r.stream.get(3));
        assertEquals("started", r.stream.get(3).name());
        assertTrue(restart.path("reset").asBoolean());
        assertFalse(data(r.stream.get(1)).path("reset").asBoolean());
    }

    @Test
    void aDeltaOfAnUnannouncedAttemptStartsItWithReset() throws Exception {
        Run r = new Run().apply(JobStarted.of(JOB, T, "w1", "m", "v1", 1), TokenDelta.of(JOB, T, 1, 0, "a", 1, null),
                TokenDelta.of(JOB, T, 3, 0, "b", 1, null));
        assertEquals("b", r.state.text);
        assertTrue(data(r.stream.getLast()).path("reset").asBoolean());
    }

    @Test
    void gapsAreCountedAndTheFinalTextRepairsThem() {
        Run r = new Run().apply(JobStarted.of(JOB, T, "w", "m", "v1", 1), TokenDelta.of(JOB, T, 1, 0, "a", 1, null),
                TokenDelta.of(JOB, T, 1, 3, "d", 1, null));
        assertEquals(2, r.state.deltaGaps);
        r.apply(JobCompleted.of(JOB, T, 1, "abcd", "stop", null, null, null, null, null));
        assertEquals("abcd", r.state.text);
    }

    @Test
    void cancelledAndFailedAreTerminal() {
        Run c = new Run().apply(JobStarted.of(JOB, T, "w", "m", "v1", 1),
                JobCompleted.of(JOB, T, 1, "partial", "cancelled", null, null, null, null, null));
        assertEquals(JobStatus.cancelled, c.state.status);
        assertEquals("partial", c.state.text);
        Run f = new Run().apply(submitted(), JobFailed.of(JOB, T, 1, "media_invalid", "bad", "w"),
                JobStarted.of(JOB, T, "w", "m", "v1", 2));
        assertEquals(JobStatus.failed, f.state.status);
        assertEquals("media_invalid", f.state.error.code());
        assertEquals(1, f.ignored.size());
    }

    @Test
    void submissionAfterWorkerEventsKeepsTheStreamAndSetsMetadata() {
        Run r = new Run().apply(JobStarted.of(JOB, T, "w", "m", "v1", 1),
                SegmentCompleted.of(JOB, T, 1, 0, 0, 2, "a cat"), submitted(),
                SegmentCompleted.of(JOB, T, 1, 0, 0, 2, "a cat again"));
        assertEquals(2, r.state.streamSeq);
        assertEquals("batch_1", r.state.batchId);
        assertEquals(1, r.state.segments.size());
        assertEquals(JobStatus.running, r.state.status);
        assertEquals(1, r.ignored.size());
        assertTrue(r.apply(submitted()).ignored.size() == 2, "a second submission of the same job is ignored");
    }

    @Test
    void anEventClaimingAnotherTenantIsRejected() {
        Run r = new Run().apply(submitted(), JobStarted.of(JOB, "intruder", "w", "m", "v1", 1));
        assertEquals(JobStatus.queued, r.state.status);
        assertTrue(r.ignored.getFirst().startsWith("tenant mismatch"));
        assertNull(r.state.startedAt);
    }
}
