package dev.vlmesh.ingest;

import static dev.vlmesh.ingest.Api.demo;
import static dev.vlmesh.ingest.Api.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.media.TestImages;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.testing.LocalStackResource;
import dev.vlmesh.testing.TestStack;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** POST /v1/batches: JSON Lines, per-line errors, one transaction for the good lines. */
@QuarkusTest
@TestProfile(IngestTestProfile.class)
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
class BatchesTest {

    TestStack stack;

    private String storedImage() {
        byte[] png = TestImages.png(64, 64);
        demo().multiPart("file", "seed.png", png).multiPart("task", "describe").when().post("/v1/jobs").then()
                .statusCode(202);
        return Api.sha256(png);
    }

    private static Response batch(String body, String key) {
        var spec = demo().contentType("application/jsonl").body(body.getBytes(StandardCharsets.UTF_8));
        if (key != null) {
            spec = spec.header("Idempotency-Key", key);
        }
        return spec.when().post("/v1/batches");
    }

    @Test
    void goodLinesBecomeJobsAndBadLinesAreReported() {
        String sha = storedImage();
        String body = String.join("\n",
                "{\"custom_id\":\"r1\",\"task\":\"describe\",\"media\":[{\"sha256\":\"" + sha + "\"}]}",
                "{\"custom_id\":\"r2\",\"method\":\"POST\",\"url\":\"/v1/jobs\",\"body\":{\"task\":\"ocr\","
                        + "\"media\":[{\"sha256\":\"" + sha + "\"}],\"options\":{\"max_new_tokens\":64}}}",
                "",
                "{\"custom_id\":\"r3\",\"task\":\"paint\"}",
                "not json at all",
                "{\"task\":\"chat\",\"prompt\":\"no custom id\"}",
                "{\"custom_id\":\"r1\",\"task\":\"chat\",\"prompt\":\"duplicate id\"}",
                "{\"custom_id\":\"r7\",\"task\":\"describe\",\"media\":[{\"sha256\":\"" + "b".repeat(64) + "\"}]}",
                "{\"custom_id\":\"r8\",\"task\":\"chat\",\"prompt\":\"hi\",\"colour\":\"red\"}",
                "{\"custom_id\":\"r9\",\"task\":\"chat\",\"prompt\":\"last one\"}");
        Response r = batch(body, null);
        assertEquals(202, r.statusCode(), r.asString());
        Api.snakeCaseOnly(r);
        String batchId = r.jsonPath().getString("id");
        assertTrue(batchId.startsWith("batch_"));
        assertTrue(r.jsonPath().getString("created_at").endsWith("Z"), r.asString());
        assertEquals(List.of("r1", "r2", "r9"), r.jsonPath().getList("jobs.custom_id"));
        assertEquals("r3", r.jsonPath().getString("errors[0].custom_id"));
        assertEquals(9, r.jsonPath().getInt("lines")); // non-empty lines; numbering counts every line
        assertEquals(3, r.jsonPath().getInt("accepted"));
        assertEquals(6, r.jsonPath().getInt("rejected"));
        assertEquals(List.of(1, 2, 10), r.jsonPath().getList("jobs.line"));
        assertEquals(List.of(4, 5, 6, 7, 8, 9), r.jsonPath().getList("errors.line"));
        Map<Integer, String> types = r.jsonPath().<Map<String, Object>>getList("errors").stream().collect(
                Collectors.toMap(m -> (Integer) m.get("line"), m -> (String) m.get("type")));
        assertEquals("invalid-field", types.get(4));
        assertEquals("invalid-request", types.get(5));
        assertEquals("invalid-field", types.get(6));
        assertEquals("invalid-field", types.get(7));
        assertEquals("media-not-found", types.get(8));
        assertEquals("invalid-field", types.get(9));

        List<String> ids = r.jsonPath().getList("jobs.id");
        List<JobSubmitted> jobs = stack.await(stack.topics().jobsSubmitted(),
                rec -> ids.contains(new String(rec.key())), 3, Duration.ofSeconds(20)).stream()
                .map(Api::submitted).toList();
        for (JobSubmitted j : jobs) {
            assertEquals(batchId, j.batchId());
            assertEquals("demo", j.tenantId());
        }
        JobSubmitted r2 = jobs.stream().filter(j -> "r2".equals(j.customId())).findFirst().orElseThrow();
        assertEquals(64, r2.options().maxNewTokens());
        assertEquals(sha, r2.media().get(0).sha256());
    }

    @Test
    void batchWithNoGoodLineIs422WithTheLineErrors() {
        Response r = problem(batch("{\"custom_id\":\"x\",\"task\":\"nope\"}\n{}", null), 422, "invalid-batch");
        assertEquals(2, r.jsonPath().getList("errors").size());
        problem(batch("\n\n", null), 400, "invalid-request");
    }

    @Test
    void retriedBatchIsTheSameBatch() {
        String key = UUID.randomUUID().toString();
        String body = "{\"custom_id\":\"a\",\"task\":\"chat\",\"prompt\":\"one\"}\n"
                + "{\"custom_id\":\"b\",\"task\":\"chat\",\"prompt\":\"two\"}\n";
        Response first = batch(body, key);
        assertEquals(202, first.statusCode(), first.asString());
        Response again = batch(body, key);
        assertEquals("true", again.header("Idempotent-Replayed"));
        assertEquals(first.jsonPath().getString("id"), again.jsonPath().getString("id"));
        assertEquals(first.jsonPath().getList("jobs.id"), again.jsonPath().getList("jobs.id"));
        assertEquals(Api.snakeCaseOnly(first), Api.snakeCaseOnly(again));
        problem(batch(body + "{\"custom_id\":\"c\",\"task\":\"chat\",\"prompt\":\"three\"}\n", key), 409,
                "idempotency-key-reused");
        String batchId = first.jsonPath().getString("id");
        stack.await(stack.topics().jobsSubmitted(), rec -> true, 2, Duration.ofSeconds(20));
        assertEquals(2, Api.allJobs(stack).stream().filter(j -> batchId.equals(j.batchId())).count());
    }

    @Test
    void tooManyLinesIs413() {
        String line = "{\"custom_id\":\"%d\",\"task\":\"chat\",\"prompt\":\"x\"}\n";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 10_001; i++) {
            b.append(String.format(line, i));
        }
        problem(batch(b.toString(), null), 413, "request-too-large");
    }
}
