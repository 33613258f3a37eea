package dev.vlmesh.ingest;

import static dev.vlmesh.ingest.Api.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.events.JobCompleted;
import dev.vlmesh.events.JobFailed;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.Task;
import dev.vlmesh.events.tenant.ApiKeys;
import dev.vlmesh.ingest.tenants.JobLedger;
import dev.vlmesh.testing.LocalStackResource;
import dev.vlmesh.testing.TestStack;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/** Per-tenant rate limit and queued-job cap, with the cap counted from what Kafka says. */
@QuarkusTest
@TestProfile(TenantLimitsTest.Limits.class)
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
class TenantLimitsTest {

    public static class Limits extends IngestTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>(super.getConfigOverrides());
            c.put("vlmesh.auth.api-keys", "capped:" + ApiKeys.hash("capped-key") + ",limited:"
                    + ApiKeys.hash("limited-key") + ",elsewhere:" + ApiKeys.hash("elsewhere-key"));
            // one token per 50 s: the 7 requests of the rate-limit test fit in that window even on a loaded machine
            c.put("vlmesh.ingest.tenants.rate-per-second", "0.02");
            c.put("vlmesh.ingest.tenants.burst", "6");
            c.put("vlmesh.ingest.tenants.max-queued-jobs", "3");
            return c;
        }
    }

    TestStack stack;

    @Inject
    JobLedger ledger;

    private static Response chat(String key, String prompt) {
        return Api.as(key).contentType("application/json").body(Map.of("task", "chat", "prompt", prompt))
                .when().post("/v1/jobs");
    }

    @Test
    void rateLimitAnswers429WithRetryAfter() {
        for (int i = 0; i < 6; i++) {
            // the limit applies to every request, even invalid ones
            problem(Api.as("limited-key").contentType("application/json").body(Map.of("task", "x"))
                    .when().post("/v1/jobs"), 422, "invalid-field");
        }
        Response r = problem(chat("limited-key", "one too many"), 429, "rate-limited");
        int retryAfter = Integer.parseInt(r.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 50, "Retry-After " + retryAfter);
        assertEquals(retryAfter, r.jsonPath().getInt("retry_after_seconds"));
    }

    @Test
    void queuedJobCapCountsUnfinishedJobs() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Response r = chat("capped-key", "job " + i);
            assertEquals(202, r.statusCode(), r.asString());
            ids.add(r.jsonPath().getString("id"));
        }
        Response full = problem(chat("capped-key", "job 3"), 429, "too-many-queued-jobs");
        assertTrue(full.header("Retry-After") != null);
        ids.forEach(id -> Api.awaitJob(stack, id));

        // a worker finishes one job (and fails another): the tenant has room again, once the ledger reads it
        try (KafkaProducer<String, byte[]> p = stack.producer()) {
            p.send(TestStack.codec().record(stack.topics().jobEvents(), JobCompleted.of(ids.get(0), "capped", 1,
                    "done", "stop", null, null, "internvl3-1b", "v1", "worker-1"))).get();
        }
        awaitOpen("capped", 2);
        assertEquals(202, chat("capped-key", "job 4").statusCode());
        problem(chat("capped-key", "job 5"), 429, "too-many-queued-jobs");
    }

    @Test
    void jobsSubmittedElsewhereCountToo() throws Exception {
        // three jobs another ingest instance (or this one before a restart) submitted, read back from the topic
        try (KafkaProducer<String, byte[]> p = stack.producer()) {
            for (int i = 0; i < 3; i++) {
                p.send(TestStack.codec().record(stack.topics().jobsSubmitted(), JobSubmitted.of("job_elsewhere" + i,
                        "elsewhere", null, null, Task.CHAT, "hi", List.of(), null, "internvl3-1b", null, 0, null)))
                        .get();
            }
            awaitOpen("elsewhere", 3);
            problem(chat("elsewhere-key", "mine"), 429, "too-many-queued-jobs");
            p.send(TestStack.codec().record(stack.topics().jobEvents(), JobFailed.of("job_elsewhere1", "elsewhere", 1,
                    "media_invalid", "bad", "worker-2"))).get();
        }
        awaitOpen("elsewhere", 2);
        assertEquals(202, chat("elsewhere-key", "mine").statusCode());
    }

    /** Waits until the ledger has read the events: the condition the next request depends on. */
    private void awaitOpen(String tenant, int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (ledger.openJobs(tenant) != n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(tenant + " has " + ledger.openJobs(tenant) + " open jobs, expected " + n);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L); // polls the condition
        }
    }
}
