package dev.vlmesh.results;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.Ids;
import dev.vlmesh.events.JobCancelRequested;
import dev.vlmesh.events.Task;
import dev.vlmesh.testing.TestStack;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The REST API over real events on the real broker: job state, listing with filters and cursors, batches and their
 * JSON Lines results, cancel, retries and duplicates, problems for bad input, and tenant isolation on every endpoint.
 */
@QuarkusTest
@QuarkusTestResource(value = ResultsStackResource.class, restrictToAnnotatedClass = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobsApiTest {

    static final String DEMO = "vlmesh-demo-key";
    static final String OTHER = "other-tenant-key";
    static final Duration WAIT = Duration.ofSeconds(30);

    TestStack stack;
    Publisher events;

    final String batch = Ids.newBatchId();
    final String done = Ids.newJobId();
    final String broken = Ids.newJobId();
    final String running = Ids.newJobId();
    final String foreign = Ids.newJobId();
    final String retried = Ids.newJobId();
    Instant beforeAll;

    /** Once per class, but after Quarkus pointed RestAssured at the app (which happens before each test). */
    @BeforeEach
    void publishOnce() {
        if (events != null) {
            return;
        }
        Ready.await();
        events = new Publisher(stack.producer(), stack.topics());
        beforeAll = Instant.now().minusSeconds(1);
        events.wholeJob(done, "demo", batch, "req-1", "A red ", "square and ", "a blue circle.");
        events.submit(broken, "demo", Task.OCR, null, batch, "req-2", null);
        events.started(broken, "demo", 1);
        events.failed(broken, "demo", 1, ErrorCodes.MEDIA_INVALID, "the PNG is truncated");
        events.submit(running, "demo", Task.CHAT, "图片里有几个圆形？", null, null, null);
        events.started(running, "demo", 1);
        events.delta(running, "demo", 1, 0, "两个");
        events.wholeJob(foreign, "other", batch, "req-x", "secret answer");

        // a retried job: attempt 1 streams, then dies; attempt 2 restarts; stale and duplicate events follow
        events.submit(retried, "demo", Task.DESCRIBE, null, null, null, null);
        events.started(retried, "demo", 1);
        events.delta(retried, "demo", 1, 0, "lost ");
        events.started(retried, "demo", 2);
        var first = events.delta(retried, "demo", 2, 0, "kept ");
        events.send(first);                                  // same eventId again: ignored
        events.delta(retried, "demo", 1, 1, "stale ");       // an old attempt: ignored
        events.delta(retried, "demo", 2, 0, "repeated ");    // same seq, new eventId: ignored
        events.delta(retried, "demo", 2, 1, "answer");
        awaitStatus(retried, DEMO, "running");
        awaitStatus(done, DEMO, "succeeded");
        awaitStatus(broken, DEMO, "failed");
        awaitStatus(foreign, OTHER, "succeeded");
        Eventually.until(WAIT, "running job's delta", () -> "两个".equals(job(running, DEMO).path("text")));
        Eventually.until(WAIT, "retried job's second delta",
                () -> "kept answer".equals(job(retried, DEMO).path("text")));
    }

    @AfterAll
    void close() {
        events.close();
    }

    @Test
    void readyWhenBrokerStoreAndJobStateAnswer() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("object-store"))
                .body("checks.name", hasItem("job-state"));
    }

    @Test
    void jobShowsStateTextUsageAndTimings() {
        given().header("X-API-Key", DEMO).get("/v1/jobs/" + done).then().statusCode(200)
                .body("id", equalTo(done))
                .body("object", equalTo("job"))
                .body("status", equalTo("succeeded"))
                .body("task", equalTo("describe"))
                .body("text", equalTo("A red square and a blue circle."))
                .body("finish_reason", equalTo("stop"))
                .body("usage.prompt_tokens", equalTo(300))
                .body("usage.total_tokens", equalTo(312))
                .body("timings.decode_ms", equalTo(50))
                .body("model_version", equalTo("v1"))
                .body("batch_id", equalTo(batch))
                .body("custom_id", equalTo("req-1"))
                .body("media[0].format", equalTo("png"))
                .body("created_at", notNullValue())
                .body("latency.total_ms", notNullValue())
                .body("last_event_id", equalTo(5))
                .body("links.events", equalTo("/v1/jobs/" + done + "/events"));
        given().header("Authorization", "Bearer " + DEMO).get("/v1/jobs/" + broken).then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("error.code", equalTo("media_invalid"))
                .body("error.message", equalTo("the PNG is truncated"))
                .body("text", equalTo(""));
        given().header("X-API-Key", DEMO).get("/v1/jobs/" + running).then().statusCode(200)
                .body("status", equalTo("running"))
                .body("prompt", equalTo("图片里有几个圆形？"))
                .body("text", equalTo("两个"));
    }

    @Test
    void aRetryResetsTheTextAndDuplicatesAreIgnored() {
        given().header("X-API-Key", DEMO).get("/v1/jobs/" + retried).then().statusCode(200)
                .body("attempt", equalTo(2))
                .body("text", equalTo("kept answer"))
                // started(1), delta, started(2), delta, delta: the ignored ones got no number
                .body("last_event_id", equalTo(5));
    }

    @Test
    void listsNewestFirstWithFiltersAndCursor() {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            var req = given().header("X-API-Key", DEMO).queryParam("limit", 2);
            if (cursor != null) {
                req.queryParam("after", cursor);
            }
            Response r = req.get("/v1/jobs");
            r.then().statusCode(200).body("object", equalTo("list"));
            ids.addAll(r.jsonPath().getList("data.id"));
            cursor = r.jsonPath().getString("next_cursor");
            assertEquals(cursor != null, r.jsonPath().getBoolean("has_more"));
        } while (cursor != null);
        assertEquals(List.of(retried, running, broken, done), ids, "every demo job once, newest first");

        given().header("X-API-Key", DEMO).queryParam("status", "failed,succeeded").get("/v1/jobs").then()
                .statusCode(200).body("data.id", contains(broken, done));
        given().header("X-API-Key", DEMO).queryParam("status", "running").get("/v1/jobs").then()
                .body("data.status", everyItem(equalTo("running"))).body("data", hasSize(2));
        given().header("X-API-Key", DEMO).queryParam("batch_id", batch).get("/v1/jobs").then()
                .body("data.id", contains(broken, done));
        given().header("X-API-Key", DEMO).queryParam("created_after", Instant.now().plusSeconds(60).toString())
                .get("/v1/jobs").then().body("data", hasSize(0)).body("has_more", equalTo(false));
        given().header("X-API-Key", DEMO).queryParam("created_after", beforeAll.toString())
                .queryParam("created_before", Instant.now().plusSeconds(60).toString())
                .get("/v1/jobs").then().body("data", hasSize(4));
    }

    @Test
    void badParametersAreProblems() {
        given().header("X-API-Key", DEMO).queryParam("status", "done").get("/v1/jobs").then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("https://vlmesh.dev/problems/invalid-parameter"))
                .body("parameter", equalTo("status"));
        given().header("X-API-Key", DEMO).queryParam("created_after", "yesterday").get("/v1/jobs").then()
                .statusCode(400).body("parameter", equalTo("created_after"));
        given().header("X-API-Key", DEMO).queryParam("after", "not-a-cursor").get("/v1/jobs").then()
                .statusCode(400).body("parameter", equalTo("after"));
        given().header("X-API-Key", DEMO).queryParam("limit", 0).get("/v1/jobs").then().statusCode(400);
        given().get("/v1/jobs").then().statusCode(401).contentType("application/problem+json");
        given().header("X-API-Key", "wrong").get("/v1/jobs/" + done).then().statusCode(401);
        given().header("X-API-Key", DEMO).get("/v1/jobs/job_doesnotexist").then().statusCode(404)
                .contentType("application/problem+json").body("title", equalTo("Job not found"));
        given().header("X-API-Key", DEMO).get("/v1/jobs/" + "x".repeat(300)).then().statusCode(404);
    }

    @Test
    void batchCountsAndJsonLinesResults() throws Exception {
        given().header("X-API-Key", DEMO).get("/v1/batches/" + batch).then().statusCode(200)
                .body("id", equalTo(batch))
                .body("object", equalTo("batch"))
                .body("status", equalTo("completed"))
                .body("request_counts.total", equalTo(2))
                .body("request_counts.succeeded", equalTo(1))
                .body("request_counts.failed", equalTo(1));
        Response r = given().header("X-API-Key", DEMO).get("/v1/batches/" + batch + "/results");
        r.then().statusCode(200).contentType(startsWith("application/jsonl")).header("X-Batch-Status", "completed");
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = r.asString().lines().map(l -> {
            try {
                return json.readTree(l);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + l);
            }
        }).toList();
        assertEquals(2, lines.size());
        JsonNode ok = lines.stream().filter(l -> l.path("custom_id").asText().equals("req-1")).findFirst().orElseThrow();
        assertEquals(done, ok.path("id").asText());
        assertEquals(200, ok.path("response").path("status_code").asInt());
        assertEquals("A red square and a blue circle.", ok.path("response").path("body").path("text").asText());
        assertTrue(ok.path("error").isNull());
        JsonNode bad = lines.stream().filter(l -> l.path("custom_id").asText().equals("req-2")).findFirst().orElseThrow();
        assertTrue(bad.path("response").isNull());
        assertEquals("media_invalid", bad.path("error").path("code").asText());
    }

    @Test
    void cancelPublishesOnTheControlTopic() throws Exception {
        given().header("X-API-Key", DEMO).post("/v1/jobs/" + running + "/cancel").then().statusCode(202)
                .body("cancel_requested", equalTo(true));
        var records = stack.await(stack.topics().jobControl(), r -> running.equals(new String(r.key())), 1, WAIT);
        var e = EventCodec.decode(records.getFirst().headers(), records.getFirst().value(), JobCancelRequested.class);
        assertEquals("demo", e.tenantId());
        given().header("X-API-Key", DEMO).post("/v1/jobs/" + done + "/cancel").then().statusCode(409)
                .body("status", equalTo("succeeded"));
    }

    @Test
    void anotherTenantsIdsAreNotFoundEverywhere() throws Exception {
        given().header("X-API-Key", DEMO).get("/v1/jobs/" + foreign).then().statusCode(404);
        given().header("X-API-Key", OTHER).get("/v1/jobs/" + done).then().statusCode(404);
        given().header("X-API-Key", OTHER).post("/v1/jobs/" + running + "/cancel").then().statusCode(404);
        given().header("X-API-Key", OTHER).get("/v1/jobs").then().statusCode(200).body("data.id", contains(foreign));
        given().header("X-API-Key", OTHER).queryParam("batch_id", batch).get("/v1/jobs").then()
                .body("data.id", contains(foreign));
        given().header("X-API-Key", DEMO).get("/v1/jobs").then().body("data.id", not(hasItem(foreign)));
        // the batch id is shared by both tenants: each sees only its own jobs in it
        given().header("X-API-Key", OTHER).get("/v1/batches/" + batch).then().statusCode(200)
                .body("request_counts.total", equalTo(1));
        given().header("X-API-Key", OTHER).get("/v1/batches/" + batch + "/results").then().statusCode(200)
                .body(not(org.hamcrest.Matchers.containsString(done)));
        given().header("X-API-Key", DEMO).get("/v1/batches/batch_onlyother").then().statusCode(404);
        given().header("X-API-Key", OTHER).get("/v1/jobs/" + done + "/events").then().statusCode(404)
                .contentType("application/problem+json");
        given().header("X-API-Key", DEMO).get("/v1/jobs/" + foreign + "/events").then().statusCode(404);
        given().header("X-API-Key", OTHER).get("/v1/jobs/" + running + "/events?api_key=" + DEMO).then()
                .statusCode(404); // the header wins over the query parameter
    }

    @Test
    void webhookSecretsDifferPerTenant() {
        String a = given().header("X-API-Key", DEMO).get("/v1/webhooks/secret").then().statusCode(200)
                .extract().path("secret");
        String b = given().header("X-API-Key", OTHER).get("/v1/webhooks/secret").then().statusCode(200)
                .extract().path("secret");
        assertTrue(a.startsWith("whsec_") && b.startsWith("whsec_"));
        assertTrue(!a.equals(b));
    }

    @Test
    void openApiDocumentsEveryEndpoint() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/v1/jobs'.get", notNullValue())
                .body("paths.'/v1/jobs/{id}'.get", notNullValue())
                .body("paths.'/v1/jobs/{id}/events'.get", notNullValue())
                .body("paths.'/v1/jobs/{id}/cancel'.post", notNullValue())
                .body("paths.'/v1/events'.get", notNullValue())
                .body("paths.'/v1/batches/{id}'.get", notNullValue())
                .body("paths.'/v1/batches/{id}/results'.get", notNullValue())
                .body("paths.'/v1/webhooks/secret'.get", notNullValue())
                .body("paths.'/v1/console/config'.get", notNullValue())
                .body("components.securitySchemes", notNullValue());
    }

    private void awaitStatus(String id, String key, String status) {
        Eventually.until(WAIT, id + " " + status, () -> status.equals(job(id, key).path("status")));
    }

    private static JsonPathView job(String id, String key) {
        Response r = given().header("X-API-Key", key).get("/v1/jobs/" + id);
        return new JsonPathView(r.statusCode() == 200 ? r.jsonPath() : null);
    }

    /** Null-safe access to a JSON response that may be a 404 while the job is not consumed yet. */
    record JsonPathView(io.restassured.path.json.JsonPath json) {
        Object path(String p) {
            return json == null ? null : json.get(p);
        }
    }
}
