package dev.vlmesh.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.vlmesh.events.DeadLetters;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.JobCompleted;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobFailed;
import dev.vlmesh.events.JobStarted;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.TokenDelta;
import dev.vlmesh.testing.LocalStackResource;
import dev.vlmesh.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code openai} backend against a real OpenAI-compatible server: this service's own
 * {@code /v1/chat/completions} on its embedded engine. A second worker (its own topics and buckets) runs the same
 * job through HTTP and must publish the same text as the embedded worker, for greedy decoding.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
class OpenAiBackendTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String MODEL = Fixtures.MODEL_A;

    TestStack stack;

    @TestHTTPResource("/v1")
    URL api;

    private Map<String, String> openAiWorker(TestStack other, String baseUrl, String media) {
        Map<String, String> c = TestWorkers.base(other);
        c.put("vlmesh.infer.backend", "openai");
        c.put("vlmesh.infer.api.enabled", "false");
        c.put("vlmesh.infer.openai.base-url", baseUrl);
        c.put("vlmesh.infer.openai.api-key", "vlmesh-demo-key");
        c.put("vlmesh.infer.openai.model", "fixture-a");  // the name the endpoint under test serves (%test local-name)
        c.put("vlmesh.infer.openai.media", media);
        c.put("vlmesh.infer.worker-id", "openai-" + media);
        return c;
    }

    private JobCompleted run(TestStack s, int maxNew) throws Exception {
        try (JobsClient jobs = new JobsClient(s)) {
            var image = jobs.upload(Fixtures.image(Fixtures.SINGLE_IMAGE));
            JobSubmitted job = jobs.submit(jobs.job(Fixtures.question(MODEL, Fixtures.SINGLE_CASE), List.of(image),
                    maxNew, 1));
            List<JobEvent> events = jobs.awaitTerminal(job.jobId(), WAIT);
            JobCompleted done = assertInstanceOf(JobCompleted.class, events.getLast(), events.toString());
            assertInstanceOf(JobStarted.class, events.getFirst());
            assertEquals(done.text(), events.stream().filter(TokenDelta.class::isInstance)
                    .map(e -> ((TokenDelta) e).text()).reduce("", String::concat));
            return done;
        }
    }

    @Test
    void givesTheSameTextAsTheEmbeddedBackend() throws Exception {
        int n = 12;
        JobCompleted embedded = run(stack, n);
        assertEquals(Fixtures.expectedText(MODEL, Fixtures.SINGLE_CASE, n), embedded.text());
        for (String media : List.of("presigned", "data")) {
            try (TestStack other = TestStack.create("openai" + media);
                 InferWorker worker = new InferWorker(TestWorkers.settings(openAiWorker(other, api.toString(), media)),
                         new SimpleMeterRegistry())) {
                JobCompleted remote = run(other, n);
                assertEquals(embedded.text(), remote.text(), "media as " + media + " URLs");
                assertEquals(embedded.usage().completionTokens(), remote.usage().completionTokens());
                assertEquals("openai-" + media, remote.workerId());
            }
        }
    }

    @Test
    void anUnreachableServerIsRetriedThenDeadLettered() throws Exception {
        try (TestStack other = TestStack.create("openaidown");
             InferWorker worker = new InferWorker(TestWorkers.settings(openAiWorker(other, "http://127.0.0.1:1/v1",
                     "data")), new SimpleMeterRegistry());
             JobsClient jobs = new JobsClient(other)) {
            var image = jobs.upload(Fixtures.image(Fixtures.SINGLE_IMAGE));
            JobSubmitted job = jobs.submit(jobs.job("Describe.", List.of(image), 4, 1));
            List<JobEvent> events = jobs.awaitTerminal(job.jobId(), WAIT);
            JobFailed failed = assertInstanceOf(JobFailed.class, events.getLast());
            assertEquals(ErrorCodes.RETRIES_EXHAUSTED, failed.code());
            assertEquals(List.of(1, 2, 3), events.stream().filter(JobStarted.class::isInstance)
                    .map(e -> ((JobStarted) e).attempt()).toList(), "three attempts");
            var dead = DeadLetters.DeadLetter.of(other.await(other.topics().deadLetter(), r -> true, 1, WAIT)
                    .getFirst());
            assertEquals(ErrorCodes.RETRIES_EXHAUSTED, dead.code());
            assertEquals(other.topics().jobsSubmitted(), dead.topic());
        }
    }
}
