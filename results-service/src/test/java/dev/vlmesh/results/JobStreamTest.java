package dev.vlmesh.results;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vlmesh.events.Ids;
import dev.vlmesh.events.Task;
import dev.vlmesh.testing.TestStack;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import dev.vlmesh.results.stream.JobBus;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Server-Sent Events over real HTTP against events on the real broker: replay, live, resume, close, isolation. */
@QuarkusTest
@QuarkusTestResource(value = ResultsStackResource.class, restrictToAnnotatedClass = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobStreamTest {

    static final String DEMO = "vlmesh-demo-key";
    static final String OTHER = "other-tenant-key";
    static final Duration WAIT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();

    TestStack stack;
    Publisher events;

    @TestHTTPResource("/")
    URL base;

    @Inject
    JobBus bus;

    @BeforeEach
    void publisher() {
        Ready.await();
        if (events == null) {
            events = new Publisher(stack.producer(), stack.topics());
        }
    }

    @AfterAll
    void close() {
        events.close();
    }

    String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }

    static JsonNode data(SseClient.Event e) throws Exception {
        return JSON.readTree(e.data());
    }

    @Test
    void replaysWhatHappenedThenGoesLiveThenCloses() throws Exception {
        String job = Ids.newJobId();
        events.submit(job, "demo", Task.DESCRIBE, null, null, null, null);
        events.started(job, "demo", 1);
        events.delta(job, "demo", 1, 0, "Two ");
        events.delta(job, "demo", 1, 1, "shapes");
        try (SseClient sse = SseClient.open(url("/v1/jobs/" + job + "/events"), "X-API-Key", DEMO)) {
            assertEquals(200, sse.status());
            assertTrue(sse.contentType().startsWith("text/event-stream"), sse.contentType());
            List<SseClient.Event> first = sse.take(3, WAIT);
            assertEquals(List.of("1", "2", "3"), first.stream().map(SseClient.Event::id).toList());
            assertEquals(List.of("started", "delta", "delta"), first.stream().map(SseClient.Event::name).toList());
            assertEquals("Two ", data(first.get(1)).path("text").asText());

            events.delta(job, "demo", 1, 2, " on white.");
            assertEquals("4", sse.take(1, WAIT).getFirst().id());
            events.completed(job, "demo", 1, "Two shapes on white.", "stop");
            List<SseClient.Event> rest = sse.rest(WAIT);
            assertEquals(1, rest.size(), "the terminal event, then the server closes: " + rest);
            assertEquals("completed", rest.getFirst().name());
            assertEquals("5", rest.getFirst().id());
            JsonNode done = data(rest.getFirst());
            assertEquals("succeeded", done.path("status").asText());
            assertEquals("Two shapes on white.", done.path("text").asText());
        }
        // a client that already has the terminal event is told there is nothing more (EventSource stops on 204)
        try (SseClient again = SseClient.open(url("/v1/jobs/" + job + "/events"), "X-API-Key", DEMO,
                "Last-Event-ID", "5")) {
            assertEquals(204, again.status());
        }
        // a client with an older id gets exactly the rest, then the stream closes
        try (SseClient later = SseClient.open(url("/v1/jobs/" + job + "/events"), "X-API-Key", DEMO,
                "Last-Event-ID", "3")) {
            assertEquals(List.of("4", "5"), later.rest(WAIT).stream().map(SseClient.Event::id).toList());
        }
    }

    @Test
    void resumesAfterADisconnectWithoutGapsOrDuplicates() throws Exception {
        String job = Ids.newJobId();
        events.submit(job, "demo", Task.OCR, null, null, null, null);
        events.started(job, "demo", 1);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            events.delta(job, "demo", 1, i, "w" + i + " ");
            expected.append("w").append(i).append(' ');
        }
        List<SseClient.Event> received = new ArrayList<>();
        try (SseClient sse = SseClient.open(url("/v1/jobs/" + job + "/events"), "X-API-Key", DEMO)) {
            received.addAll(sse.take(4, WAIT)); // started + 3 deltas, then the client drops mid-stream
        }
        // more text arrives while the client is away
        for (int i = 6; i < 12; i++) {
            events.delta(job, "demo", 1, i, "w" + i + " ");
            expected.append("w").append(i).append(' ');
        }
        String lastId = received.getLast().id();
        try (SseClient sse = SseClient.open(url("/v1/jobs/" + job + "/events"), "X-API-Key", DEMO,
                "Last-Event-ID", lastId)) {
            received.addAll(sse.take(9, WAIT)); // the 9 deltas it missed
            events.delta(job, "demo", 1, 12, "end");
            expected.append("end");
            events.completed(job, "demo", 1, expected.toString(), "stop");
            received.addAll(sse.rest(WAIT));
        }
        List<Long> ids = received.stream().map(e -> Long.parseLong(e.id())).toList();
        assertEquals(LongStream.rangeClosed(1, 15).boxed().toList(), ids, "every event exactly once, in order");
        StringBuilder text = new StringBuilder();
        for (SseClient.Event e : received) {
            if (e.name().equals("delta")) {
                text.append(data(e).path("text").asText());
            }
        }
        assertEquals(expected.toString(), text.toString());
        assertEquals("completed", received.getLast().name());
    }

    @Test
    void waitsBrieflyForAJobSubmittedAMomentAgo() throws Exception {
        String job = Ids.newJobId();
        int before = bus.subscriberCount();
        var pending = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return SseClient.open(url("/v1/jobs/" + job + "/events"), "X-API-Key", DEMO);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // the server holds the request (subscribed, waiting) because the job does not exist yet
        Eventually.until(WAIT, "stream request waiting", () -> bus.subscriberCount() > before);
        events.submit(job, "demo", Task.DESCRIBE, null, null, null, null);
        events.started(job, "demo", 1);
        try (SseClient sse = pending.get(30, java.util.concurrent.TimeUnit.SECONDS)) {
            assertEquals(200, sse.status());
            assertEquals("started", sse.take(1, WAIT).getFirst().name());
        }
    }

    @Test
    void browsersMayPassTheKeyAsQueryParameterOrCookieOnStreamsOnly() throws Exception {
        String job = Ids.newJobId();
        events.wholeJob(job, "demo", null, null, "ok");
        Eventually.until(WAIT, "job done", () -> given().header("X-API-Key", DEMO).get("/v1/jobs/" + job)
                .then().extract().statusCode() == 200);
        try (SseClient q = SseClient.open(url("/v1/jobs/" + job + "/events?api_key=" + DEMO))) {
            assertEquals(200, q.status());
            assertEquals("completed", q.rest(WAIT).getLast().name());
        }
        try (SseClient c = SseClient.open(url("/v1/jobs/" + job + "/events"), "Cookie", "vlmesh_api_key=" + DEMO)) {
            assertEquals(200, c.status());
            assertEquals(3, c.rest(WAIT).size());
        }
        try (SseClient c = SseClient.open(url("/v1/jobs/" + job + "/events?last_event_id=2"), "Cookie",
                "vlmesh_api_key=" + DEMO)) {
            assertEquals(List.of("3"), c.rest(WAIT).stream().map(SseClient.Event::id).toList());
        }
        try (SseClient none = SseClient.open(url("/v1/jobs/" + job + "/events"))) {
            assertEquals(401, none.status());
        }
        // non-streaming endpoints take headers only
        given().queryParam("api_key", DEMO).get("/v1/jobs/" + job).then().statusCode(401);
        given().cookie("vlmesh_api_key", DEMO).get("/v1/jobs").then().statusCode(401);
        given().header("X-API-Key", DEMO).header("Last-Event-ID", "abc").get("/v1/jobs/" + job + "/events").then()
                .statusCode(400).contentType("application/problem+json");
    }

    @Test
    void tenantStreamCarriesOnlyThatTenantsEvents() throws Exception {
        String mine = Ids.newJobId();
        String theirs = Ids.newJobId();
        try (SseClient demo = SseClient.open(url("/v1/events"), "X-API-Key", DEMO);
             SseClient other = SseClient.open(url("/v1/events"), "X-API-Key", OTHER)) {
            assertEquals(200, demo.status());
            events.wholeJob(theirs, "other", null, null, "their answer");
            events.wholeJob(mine, "demo", null, null, "my ", "answer");
            List<SseClient.Event> got = new ArrayList<>();
            while (got.isEmpty() || !got.getLast().name().equals("completed")) {
                got.addAll(demo.take(1, WAIT));
            }
            for (SseClient.Event e : got) {
                assertEquals(mine, data(e).path("job_id").asText(), "only the demo tenant's job: " + got);
            }
            assertEquals(List.of("submitted", "started", "delta", "delta", "completed"),
                    got.stream().map(SseClient.Event::name).toList());
            List<SseClient.Event> theirsGot = new ArrayList<>();
            while (theirsGot.isEmpty() || !theirsGot.getLast().name().equals("completed")) {
                theirsGot.addAll(other.take(1, WAIT));
            }
            assertTrue(theirsGot.stream().allMatch(e -> e.data().contains(theirs)));
            assertFalse(demo.ended(), "the tenant stream stays open");
        }
    }
}
