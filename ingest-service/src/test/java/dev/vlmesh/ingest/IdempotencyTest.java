package dev.vlmesh.ingest;

import static dev.vlmesh.ingest.Api.demo;
import static dev.vlmesh.ingest.Api.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vlmesh.engine.media.TestImages;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.ingest.store.IngestKeys;
import dev.vlmesh.testing.LocalStackResource;
import dev.vlmesh.testing.TestStack;
import io.minio.GetObjectArgs;
import io.minio.PutObjectArgs;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Idempotency-Key: same request, same job; different request, 409; per tenant; remembered in the store. */
@QuarkusTest
@TestProfile(IngestTestProfile.class)
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
class IdempotencyTest {

    TestStack stack;

    private static Response json(String key, String tenantKey, Map<String, Object> body) {
        return Api.as(tenantKey).header("Idempotency-Key", key).contentType("application/json").body(body)
                .when().post("/v1/jobs");
    }

    @Test
    void retriedRequestGetsTheSameJobOnce() throws Exception {
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = Map.of("task", "chat", "prompt", "Same question", "custom_id", "idem-1");
        Response first = json(key, IngestTestProfile.DEMO_KEY, body);
        assertEquals(202, first.statusCode(), first.asString());
        assertNull(first.header("Idempotent-Replayed"));
        // the same request again, with the JSON written differently (camelCase name, other order, upper-case task):
        // same job, the very same answer replayed
        Response again = json(key, IngestTestProfile.DEMO_KEY, Map.of("customId", "idem-1", "prompt",
                "Same question", "task", "CHAT"));
        assertEquals(202, again.statusCode(), again.asString());
        assertEquals("true", again.header("Idempotent-Replayed"));
        assertEquals(Api.snakeCaseOnly(first), Api.snakeCaseOnly(again));
        String id = first.jsonPath().getString("id");
        assertEquals(id, again.jsonPath().getString("id"));
        assertEquals(first.header("Location"), again.header("Location"));
        Api.awaitJob(stack, id);
        assertEquals(1, Api.allJobs(stack).stream().filter(j -> "idem-1".equals(j.customId())).count());

        // the record lives in the object store, so another instance (or this one after a restart) finds it
        try (InputStream in = stack.s3().getObject(GetObjectArgs.builder().bucket(stack.layout().mediaBucket())
                .object(IngestKeys.idempotency("demo", key)).build())) {
            JsonNode rec = EventCodec.json().readTree(in);
            assertEquals("done", rec.get("state").asText());
            assertEquals(id, rec.get("resourceId").asText());
            assertEquals(id, rec.get("response").get("id").asText());
            assertEquals("idem-1", rec.get("response").get("custom_id").asText());
            assertEquals("snake_case", rec.get("responseNaming").asText());
        }
    }

    @Test
    void answerStoredBeforeTheSnakeCaseChangeIsReplayedInSnakeCase() throws Exception {
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = Map.of("task", "chat", "prompt", "Stored long ago", "custom_id", "legacy-1");
        Response first = json(key, IngestTestProfile.DEMO_KEY, body);
        assertEquals(202, first.statusCode(), first.asString());
        JsonNode fresh = Api.snakeCaseOnly(first);

        // rewrite the record as the previous version stored it: camelCase response, no responseNaming
        String object = IngestKeys.idempotency("demo", key);
        ObjectNode rec;
        try (InputStream in = stack.s3().getObject(GetObjectArgs.builder().bucket(stack.layout().mediaBucket())
                .object(object).build())) {
            rec = (ObjectNode) EventCodec.json().readTree(in);
        }
        ObjectNode response = (ObjectNode) rec.get("response");
        response.set("customId", response.remove("custom_id"));
        response.set("createdAt", response.remove("created_at"));
        rec.remove("responseNaming");
        byte[] old = EventCodec.json().writeValueAsBytes(rec);
        stack.s3().putObject(PutObjectArgs.builder().bucket(stack.layout().mediaBucket()).object(object)
                .stream(new ByteArrayInputStream(old), old.length, -1).contentType("application/json").build());

        Response again = json(key, IngestTestProfile.DEMO_KEY, body);
        assertEquals(202, again.statusCode(), again.asString());
        assertEquals("true", again.header("Idempotent-Replayed"));
        assertEquals(fresh, Api.snakeCaseOnly(again));
    }

    @Test
    void sameKeyDifferentRequestIsAConflict() {
        String key = UUID.randomUUID().toString();
        json(key, IngestTestProfile.DEMO_KEY, Map.of("task", "chat", "prompt", "one")).then().statusCode(202);
        Response r = problem(json(key, IngestTestProfile.DEMO_KEY, Map.of("task", "chat", "prompt", "two")), 409,
                "idempotency-key-reused");
        assertTrue(r.jsonPath().getString("detail").contains("different request"));
    }

    @Test
    void keysArePerTenant() {
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = Map.of("task", "chat", "prompt", "hello");
        String a = json(key, IngestTestProfile.DEMO_KEY, body).then().statusCode(202).extract().path("id");
        String b = json(key, IngestTestProfile.ACME_KEY, body).then().statusCode(202).extract().path("id");
        assertNotEquals(a, b);
        JobSubmitted ja = Api.awaitJob(stack, a);
        JobSubmitted jb = Api.awaitJob(stack, b);
        assertEquals("demo", ja.tenantId());
        assertEquals("acme", jb.tenantId());
    }

    @Test
    void multipartRetryWithTheSameFileIsTheSameJob() {
        String key = UUID.randomUUID().toString();
        byte[] png = TestImages.png(90, 60);
        String a = demo().header("Idempotency-Key", key).multiPart("file", "a.png", png).multiPart("task", "describe")
                .when().post("/v1/jobs").then().statusCode(202).extract().path("id");
        String b = demo().header("Idempotency-Key", key).multiPart("file", "renamed.png", png)
                .multiPart("task", "describe").when().post("/v1/jobs").then().statusCode(202).extract().path("id");
        assertEquals(a, b);
        problem(demo().header("Idempotency-Key", key).multiPart("file", "a.png", TestImages.png(91, 60))
                .multiPart("task", "describe").when().post("/v1/jobs"), 409, "idempotency-key-reused");
    }

    @Test
    void concurrentDuplicatesMakeOneJob() throws Exception {
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = Map.of("task", "chat", "prompt", "race", "custom_id", "race-1");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Response>> calls = List.of(() -> json(key, IngestTestProfile.DEMO_KEY, body),
                    () -> json(key, IngestTestProfile.DEMO_KEY, body), () -> json(key, IngestTestProfile.DEMO_KEY,
                            body), () -> json(key, IngestTestProfile.DEMO_KEY, body));
            String id = null;
            for (Future<Response> f : pool.invokeAll(calls)) {
                Response r = f.get();
                if (r.statusCode() == 202) {
                    if (id == null) {
                        id = r.jsonPath().getString("id");
                    }
                    assertEquals(id, r.jsonPath().getString("id"));
                } else {
                    problem(r, 409, "idempotency-key-in-use");
                    assertEquals("2", r.header("Retry-After"));
                }
            }
            Api.awaitJob(stack, id);
            assertEquals(1, Api.allJobs(stack).stream().filter(j -> "race-1".equals(j.customId())).count());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void refusedRequestDoesNotUseUpTheKey() {
        String key = UUID.randomUUID().toString();
        problem(json(key, IngestTestProfile.DEMO_KEY, Map.of("task", "describe", "media",
                List.of(Map.of("sha256", "a".repeat(64))))), 422, "media-not-found");
        // the key was not spent on a request that created nothing: a corrected request may use it
        json(key, IngestTestProfile.DEMO_KEY, Map.of("task", "chat", "prompt", "fixed")).then().statusCode(202);
        problem(Api.demo().header("Idempotency-Key", "has space").contentType("application/json")
                .body(Map.of("task", "chat", "prompt", "x")).when().post("/v1/jobs"), 400, "invalid-request");
    }
}
