package dev.vlmesh.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.events.JobCompleted;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobStarted;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.TokenDelta;
import dev.vlmesh.testing.LocalStackExtension;
import dev.vlmesh.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A worker JVM killed with SIGKILL in the middle of a job (after it published deltas): another worker of the group
 * takes the partition over, runs the job again as attempt 2 and publishes exactly one completed event. The job asks
 * for far more tokens than the killed worker can make before the kill on any machine; to keep the test short the
 * survivor's attempt is then cancelled, which completes it with its partial text.
 */
@ExtendWith(LocalStackExtension.class)
class TakeoverTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void aKilledWorkersJobIsFinishedByAnotherExactlyOnce(TestStack stack) throws Exception {
        Map<String, String> config = TestWorkers.base(stack);
        int maxNew = 4000;
        Path log = Path.of("target", "takeover-child-" + stack.namespace() + ".log");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector"));
        config.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-Dvlmesh.infer.worker-id=doomed");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), WorkerMain.class.getName()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (JobsClient jobs = new JobsClient(stack)) {
            MediaRef image = jobs.upload(Fixtures.image(Fixtures.SINGLE_IMAGE));
            JobSubmitted job = jobs.submit(jobs.job(Fixtures.question(Fixtures.MODEL_A, Fixtures.SINGLE_CASE),
                    List.of(image), maxNew, 1));
            TokenDelta first = jobs.awaitFirstDelta(job.jobId(), WAIT);
            assertEquals(1, first.attempt());
            assertTrue(child.isAlive(), "the child worker runs the job; log: " + log);
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no leave-group, no commit
            child.waitFor();
            assertTrue(jobs.events(job.jobId()).stream().noneMatch(JobEvent::terminal),
                    "killed before the job finished");

            config.put("vlmesh.infer.worker-id", "survivor");
            try (InferWorker survivor = new InferWorker(TestWorkers.settings(config), new SimpleMeterRegistry())) {
                stack.await(stack.topics().jobEvents(), r -> JobsClient.decode(r) instanceof TokenDelta d
                        && d.jobId().equals(job.jobId()) && d.attempt() == 2, 1, WAIT);
                jobs.cancel(job.jobId());
                List<JobEvent> events = jobs.awaitTerminal(job.jobId(), WAIT);
                JobCompleted done = assertInstanceOf(JobCompleted.class, events.getLast());
                assertEquals("survivor", done.workerId());
                assertEquals(2, done.attempt());
                assertEquals("cancelled", done.finishReason());
                assertTrue(events.stream().anyMatch(e -> e instanceof TokenDelta d && d.attempt() == 1),
                        "the killed worker had already streamed deltas");
                List<JobStarted> starts = events.stream().filter(JobStarted.class::isInstance)
                        .map(JobStarted.class::cast).toList();
                assertEquals(List.of("doomed", "survivor"), starts.stream().map(JobStarted::workerId).toList());
                assertEquals(List.of(1, 2), starts.stream().map(JobStarted::attempt).toList());
                List<TokenDelta> second = events.stream().filter(e -> e instanceof TokenDelta d && d.attempt() == 2)
                        .map(TokenDelta.class::cast).toList();
                for (int i = 0; i < second.size(); i++) {
                    assertEquals(i, second.get(i).seq());
                }
                assertEquals(done.text(), second.stream().map(TokenDelta::text).reduce("", String::concat));
                String reference = Fixtures.expectedText(Fixtures.MODEL_A, Fixtures.SINGLE_CASE, maxNew);
                assertTrue(done.text().startsWith(reference) || reference.startsWith(done.text()),
                        "the greedy text so far follows the reference: " + done.text());

                // nothing more arrives: one completed event, ever
                JobSubmitted after = jobs.submit(jobs.job("Describe.", List.of(image), 2, 1));
                jobs.awaitTerminal(after.jobId(), WAIT);
                assertEquals(1, jobs.events(job.jobId()).stream().filter(JobEvent::terminal).count());
            }
        } finally {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }
}
