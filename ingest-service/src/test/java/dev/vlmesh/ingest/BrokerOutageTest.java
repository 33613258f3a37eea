package dev.vlmesh.ingest;

import static dev.vlmesh.ingest.Api.demo;
import static dev.vlmesh.ingest.Api.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.media.TestImages;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.ingest.store.IngestKeys;
import dev.vlmesh.testing.LocalStackResource;
import dev.vlmesh.testing.TestStack;
import io.minio.GetObjectArgs;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The broker is unreachable: ingest answers 503 with Retry-After and accepts nothing; once it is back, the same
 * request succeeds, and there is exactly one job, with the id the failed attempt had reserved.
 */
@QuarkusTest
@TestProfile(IngestTestProfile.class)
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = BrokerGate.Resource.class, restrictToAnnotatedClass = true)
class BrokerOutageTest {

    TestStack stack;

    BrokerGate gate;

    @Test
    void outageAnswers503AndTheRetryMakesExactlyOneJob() throws Exception {
        String key = UUID.randomUUID().toString();
        byte[] png = TestImages.png(120, 90);
        Supplier<Response> submit = () -> demo().header("Idempotency-Key", key)
                .multiPart("file", "during-outage.png", png).multiPart("task", "describe")
                .multiPart("custom_id", "outage-1").when().post("/v1/jobs");
        Supplier<Response> batch = () -> demo().header("Idempotency-Key", key + "-batch").contentType("application/jsonl")
                .body(("{\"custom_id\":\"b1\",\"task\":\"chat\",\"prompt\":\"one\"}\n"
                        + "{\"custom_id\":\"b2\",\"task\":\"chat\",\"prompt\":\"two\"}\n").getBytes())
                .when().post("/v1/batches");

        Response down = problem(submit.get(), 503, "broker-unavailable");
        assertEquals("5", down.header("Retry-After"));
        assertEquals(5, down.jsonPath().getInt("retry_after_seconds"));
        assertTrue(down.jsonPath().getString("detail").contains("retry"), down.asString());
        problem(batch.get(), 503, "broker-unavailable");
        problem(demo().contentType("application/json").body("{\"task\":\"chat\",\"prompt\":\"no key\"}")
                .when().post("/v1/jobs"), 503, "broker-unavailable");
        assertEquals(List.of(), Api.allJobs(stack), "nothing reached Kafka");

        // the failed attempt kept its job id and released the key
        String reservedId;
        try (InputStream in = stack.s3().getObject(GetObjectArgs.builder().bucket(stack.layout().mediaBucket())
                .object(IngestKeys.idempotency("demo", key)).build())) {
            JsonNode rec = EventCodec.json().readTree(in);
            assertEquals("pending", rec.get("state").asText());
            reservedId = rec.get("resourceId").asText();
        }

        gate.open();
        Response up = retryUntilAccepted(submit);
        assertEquals(reservedId, up.jsonPath().getString("id"));
        Response batchUp = retryUntilAccepted(batch);
        assertEquals(2, batchUp.jsonPath().getInt("accepted"));
        // retried again after success: replayed, still one job
        assertEquals("true", submit.get().header("Idempotent-Replayed"));

        Api.awaitJob(stack, reservedId);
        stack.await(stack.topics().jobsSubmitted(), r -> true, 3, Duration.ofSeconds(20));
        List<JobSubmitted> all = Api.allJobs(stack);
        assertEquals(1, all.stream().filter(j -> "outage-1".equals(j.customId())).count(), all.toString());
        assertEquals(2, all.stream().filter(j -> j.batchId() != null).count(), all.toString());
        assertEquals(3, all.size(), all.toString());
    }

    /** Each attempt is a real request that waits up to the producer's max-block time; the broker needs a moment. */
    private static Response retryUntilAccepted(Supplier<Response> request) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        Response r;
        do {
            r = request.get();
            if (r.statusCode() == 202) {
                return r;
            }
            problem(r, 503, "broker-unavailable");
        } while (System.nanoTime() < deadline);
        throw new AssertionError("still refused after the broker came back: " + r.asString());
    }
}
