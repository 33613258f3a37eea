package dev.vlmesh.infer;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.events.DeadLetters;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.EventType;
import dev.vlmesh.events.JobCompleted;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobFailed;
import dev.vlmesh.events.JobStarted;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.TokenDelta;
import dev.vlmesh.testing.LocalStackResource;
import dev.vlmesh.testing.ReadyProbe;
import dev.vlmesh.testing.TestStack;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service end to end on the real broker and store, with a reference fixture model: jobs in, events out.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
class JobLifecycleTest {

    @TestHTTPResource("/q/health/ready")
    URI readyUrl;

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String MODEL = Fixtures.MODEL_A;

    TestStack stack;
    private JobsClient jobs;

    @BeforeEach
    void client() {
        jobs = new JobsClient(stack);
    }

    @AfterEach
    void close() {
        jobs.close();
    }

    private JobSubmitted singleTileJob(int maxNewTokens) throws Exception {
        MediaRef image = jobs.upload(Fixtures.image(Fixtures.SINGLE_IMAGE));
        return jobs.job(Fixtures.question(MODEL, Fixtures.SINGLE_CASE), List.of(image), maxNewTokens, 1);
    }

    @Test
    void readyWithTheModelVersionAndBrokerAndStore() {
        ReadyProbe.await(readyUrl, Duration.ofSeconds(120));
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("UP"))
                .body("checks.name", org.hamcrest.Matchers.hasItem("object-store"))
                .body("checks.name", org.hamcrest.Matchers.hasItem("Kafka connection health check"))
                .body("checks.find { it.name == 'model' }.data.version", org.hamcrest.Matchers.equalTo("local"))
                .body("checks.find { it.name == 'model' }.data.backend", org.hamcrest.Matchers.equalTo("embedded"));
    }

    @Test
    void exposesWorkerMetrics() {
        given().when().get("/q/metrics").then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.containsString("vlmesh_infer_queue_lag_records"))
                .body(org.hamcrest.Matchers.containsString("vlmesh_infer_jobs_running"))
                .body(org.hamcrest.Matchers.containsString("vlmesh_infer_time_to_first_token_seconds"))
                .body(org.hamcrest.Matchers.containsString("vlmesh_infer_decode_seconds"))
                .body(org.hamcrest.Matchers.containsString("vlmesh_infer_decode_batch_average"));
    }

    /** Tokens compared with the reference continuation (it has 24; fewer keep the suite fast). */
    private static final int TOKENS = 12;

    @Test
    void completesWithTheReferenceTextStreamedInOrder() throws Exception {
        int n = TOKENS;
        JobSubmitted job = jobs.submit(singleTileJob(n));
        List<JobEvent> events = jobs.awaitTerminal(job.jobId(), WAIT);

        JobStarted started = assertInstanceOf(JobStarted.class, events.getFirst());
        assertEquals(1, started.attempt());
        assertEquals("local", started.modelVersion());
        JobCompleted done = assertInstanceOf(JobCompleted.class, events.getLast());
        String expected = Fixtures.expectedText(MODEL, Fixtures.SINGLE_CASE, n);
        assertEquals(expected, done.text(), "greedy text equals the transformers reference continuation");
        assertEquals(Fixtures.testCase(MODEL, Fixtures.SINGLE_CASE).get("num_input_ids").asInt(),
                done.usage().promptTokens());
        assertTrue(done.usage().imageTokens() > 0);
        assertEquals("local", done.modelVersion());
        assertTrue(done.timings().totalMs() > 0);

        List<TokenDelta> deltas = events.stream().filter(TokenDelta.class::isInstance).map(TokenDelta.class::cast)
                .toList();
        assertTrue(!deltas.isEmpty());
        StringBuilder concat = new StringBuilder();
        for (int i = 0; i < deltas.size(); i++) {
            assertEquals(i, deltas.get(i).seq(), "sequence numbers are 0.. without gaps");
            assertEquals(1, deltas.get(i).attempt());
            assertTrue(deltas.get(i).tokens() <= 16, "coalesced over at most 16 tokens");
            concat.append(deltas.get(i).text());
        }
        assertEquals(done.text(), concat.toString(), "the deltas are the whole text");
        assertEquals(1, events.stream().filter(JobEvent::terminal).count());
    }

    @Test
    void aRedeliveredJobIsNotRunAgain() throws Exception {
        JobSubmitted job = singleTileJob(4);
        jobs.submit(job);
        jobs.submit(job); // the same record twice, e.g. a producer retry upstream
        jobs.awaitTerminal(job.jobId(), WAIT);
        JobSubmitted later = jobs.submit(singleTileJob(2));
        jobs.submit(job); // and once more after it finished
        JobSubmitted last = jobs.submit(singleTileJob(2));
        jobs.awaitTerminal(later.jobId(), WAIT);
        jobs.awaitTerminal(last.jobId(), WAIT);
        List<JobEvent> events = jobs.events(job.jobId());
        assertEquals(1, events.stream().filter(JobStarted.class::isInstance).count(), "ran once: " + events);
        assertEquals(1, events.stream().filter(JobEvent::terminal).count());
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicWhileLaterJobsComplete() throws Exception {
        jobs.submitRaw("garbage", "\u0000not json".getBytes(StandardCharsets.UTF_8), null);
        jobs.submitRaw("job_broken", "{\"schemaVersion\":1,\"jobId\":\"job_broken\",\"tenantId\":\"demo\",\"task\":"
                .getBytes(StandardCharsets.UTF_8), EventType.JOB_SUBMITTED.ceType());
        jobs.submitRaw("job_notask", ("{\"schemaVersion\":1,\"eventId\":\"e1\",\"time\":\"2026-01-01T00:00:00Z\","
                + "\"jobId\":\"job_notask\",\"tenantId\":\"demo\"}").getBytes(StandardCharsets.UTF_8),
                EventType.JOB_SUBMITTED.ceType());
        JobSubmitted good = jobs.submit(singleTileJob(3));

        assertInstanceOf(JobCompleted.class, jobs.awaitTerminal(good.jobId(), WAIT).getLast());
        var dead = stack.await(stack.topics().deadLetter(), r -> true, 3, WAIT).stream()
                .map(DeadLetters.DeadLetter::of).toList();
        assertTrue(dead.stream().allMatch(d -> d.code().equals(ErrorCodes.UNREADABLE_RECORD)), dead.toString());
        assertTrue(dead.stream().allMatch(d -> d.topic().equals(stack.topics().jobsSubmitted())));
        // a record that still names its job gets a failed event; one without a job id is only dead-lettered
        JobFailed failed = assertInstanceOf(JobFailed.class,
                jobs.awaitTerminal("job_notask", WAIT).getLast());
        assertEquals(ErrorCodes.UNREADABLE_RECORD, failed.code());
    }

    @Test
    void mediaProblemsFailWithStableCodes() throws Exception {
        MediaRef real = jobs.upload(Fixtures.image(Fixtures.SINGLE_IMAGE));
        MediaRef missing = new MediaRef(MediaRef.Kind.image, real.bucket(),
                dev.vlmesh.events.StoreLayout.mediaKey("0".repeat(64)), "0".repeat(64), 10, "jpeg", 0, 0, null, null);
        MediaRef wrongDigest = new MediaRef(MediaRef.Kind.image, real.bucket(), real.key(), "1".repeat(64),
                real.sizeBytes(), "jpeg", 0, 0, null, null);
        MediaRef notAnImage = jobs.upload(Fixtures.root().resolve("models/catalogue.json"));
        Map<String, String> expected = Map.of(
                jobs.submit(jobs.job("Describe.", List.of(missing), 4, 1)).jobId(), ErrorCodes.MEDIA_NOT_FOUND,
                jobs.submit(jobs.job("Describe.", List.of(wrongDigest), 4, 1)).jobId(),
                ErrorCodes.MEDIA_DIGEST_MISMATCH,
                jobs.submit(jobs.job("Describe.", List.of(notAnImage), 4, 1)).jobId(), ErrorCodes.MEDIA_INVALID);
        for (var e : expected.entrySet()) {
            JobFailed f = assertInstanceOf(JobFailed.class, jobs.awaitTerminal(e.getKey(), WAIT).getLast());
            assertEquals(e.getValue(), f.code(), f.reason());
            assertEquals(1, f.attempt(), "not retried: the input is wrong, not the worker");
        }
    }

    @Test
    void aCancelStopsGenerationAndKeepsThePartialText() throws Exception {
        JobSubmitted job = jobs.submit(singleTileJob(4000));
        jobs.awaitFirstDelta(job.jobId(), WAIT);
        jobs.cancel(job.jobId());
        List<JobEvent> events = jobs.awaitTerminal(job.jobId(), WAIT);
        JobCompleted done = assertInstanceOf(JobCompleted.class, events.getLast());
        assertEquals("cancelled", done.finishReason());
        assertTrue(done.usage().completionTokens() < 4000, "stopped early: " + done.usage());
        String streamed = events.stream().filter(TokenDelta.class::isInstance).map(e -> ((TokenDelta) e).text())
                .reduce("", String::concat);
        assertEquals(streamed, done.text());
        assertTrue(Fixtures.expectedText(MODEL, Fixtures.SINGLE_CASE, 24).startsWith(done.text())
                || done.text().startsWith(Fixtures.expectedText(MODEL, Fixtures.SINGLE_CASE, 24)),
                "the partial text is the greedy continuation so far");
    }

    @Test
    void theOpenAiEndpointAnswersWithTheReferenceText() throws Exception {
        int n = TOKENS;
        String dataUrl = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(
                Files.readAllBytes(Fixtures.image(Fixtures.SINGLE_IMAGE)));
        String body = """
                {"model":"%s","max_tokens":%d,"temperature":0,"stream":%s,
                 "stream_options":{"include_usage":true},"mm_processor_kwargs":{"max_dynamic_patch":1},
                 "messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"%s"}},
                                                        {"type":"text","text":"%s"}]}]}""";
        String question = Fixtures.question(MODEL, Fixtures.SINGLE_CASE);
        String expected = Fixtures.expectedText(MODEL, Fixtures.SINGLE_CASE, n);

        String text = given().header("Authorization", "Bearer vlmesh-demo-key").contentType("application/json")
                .body(body.formatted("fixture-a", n, "false", dataUrl, question)).post("/v1/chat/completions").then()
                .statusCode(200).extract().path("choices[0].message.content");
        assertEquals(expected, text);

        String sse = given().header("Authorization", "Bearer vlmesh-demo-key").contentType("application/json")
                .body(body.formatted("fixture-a", n, "true", dataUrl, question)).post("/v1/chat/completions").then()
                .statusCode(200).contentType(org.hamcrest.Matchers.startsWith("text/event-stream"))
                .extract().asString();
        StringBuilder streamed = new StringBuilder();
        boolean done = false;
        boolean usage = false;
        for (String line : sse.split("\n")) {
            if (!line.startsWith("data: ")) {
                continue;
            }
            String data = line.substring(6);
            if (data.equals("[DONE]")) {
                done = true;
                continue;
            }
            var chunk = EventCodec.json().readTree(data);
            streamed.append(chunk.path("choices").path(0).path("delta").path("content").asText(""));
            usage |= chunk.path("usage").path("completion_tokens").asInt() > 0;
        }
        assertTrue(done, "stream ends with [DONE]");
        assertTrue(usage, "include_usage gives a usage chunk");
        assertEquals(expected, streamed.toString());

        given().contentType("application/json").body(body.formatted("fixture-a", n, "false", dataUrl, question))
                .post("/v1/chat/completions").then().statusCode(401);
        given().header("Authorization", "Bearer vlmesh-demo-key").contentType("application/json")
                .body(body.formatted("fixture-a", n, "false", "http://169.254.169.254/latest/meta-data", question))
                .post("/v1/chat/completions").then().statusCode(400)
                .body("error.code", org.hamcrest.Matchers.equalTo("media_url_not_allowed"));
        given().header("Authorization", "Bearer vlmesh-demo-key").contentType("application/json")
                .body(body.formatted("another-model", n, "false", dataUrl, question)).post("/v1/chat/completions")
                .then().statusCode(404).contentType(org.hamcrest.Matchers.startsWith("application/problem+json"))
                .body("error.code", org.hamcrest.Matchers.equalTo("model_not_found"))
                .body("detail", org.hamcrest.Matchers.containsString("fixture-a"));
        given().header("Authorization", "Bearer vlmesh-demo-key").contentType("application/json")
                .body("{\"messages\":[]}").post("/v1/chat/completions").then().statusCode(400);
    }
}
