package dev.vlmesh.results;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vlmesh.events.Ids;
import dev.vlmesh.events.Task;
import dev.vlmesh.testing.TestStack;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Webhooks to a real local receiver that fails the first attempts: signature (checked here with plain javax.crypto
 * against the secret the API hands out), the same id on every retry, growing backoff, and the delivery state.
 */
@QuarkusTest
@QuarkusTestResource(value = ResultsStackResource.class, restrictToAnnotatedClass = true)
class WebhookTest {

    static final String DEMO = "vlmesh-demo-key";
    static final Duration WAIT = Duration.ofSeconds(30);

    TestStack stack;

    @Test
    void signedRetriedUntilAcceptedWithTheSameId() throws Exception {
        Ready.await();
        String secret = given().header("X-API-Key", DEMO).get("/v1/webhooks/secret").then().statusCode(200)
                .extract().path("secret");
        String job = Ids.newJobId();
        try (WebhookReceiver receiver = new WebhookReceiver(2);
             Publisher events = new Publisher(stack.producer(), stack.topics())) {
            events.submit(job, "demo", Task.DESCRIBE, null, null, "c-7", receiver.url());
            events.started(job, "demo", 1);
            events.delta(job, "demo", 1, 0, "a square");
            var completed = events.completed(job, "demo", 1, "a square", "stop");

            Eventually.until(WAIT, "three webhook attempts", () -> receiver.deliveries().size() >= 3);
            List<WebhookReceiver.Delivery> d = receiver.deliveries();
            assertEquals(List.of(503, 503, 204), d.stream().map(WebhookReceiver.Delivery::answered).toList());
            for (WebhookReceiver.Delivery x : d) {
                assertEquals("msg_" + completed.eventId(), x.headers().get("webhook-id"));
                String ts = x.headers().get("webhook-timestamp");
                assertTrue(Math.abs(Instant.now().getEpochSecond() - Long.parseLong(ts)) < 120);
                assertEquals(expectedSignature(secret, x.headers().get("webhook-id"), ts, x.body()),
                        x.headers().get("webhook-signature"));
                assertEquals("application/json", x.headers().get("content-type"));
                JsonNode body = new ObjectMapper().readTree(x.body());
                assertEquals("job.succeeded", body.path("type").asText());
                assertEquals(job, body.path("data").path("id").asText());
                assertEquals("a square", body.path("data").path("text").asText());
                assertEquals("c-7", body.path("data").path("custom_id").asText());
            }
            // the backoff doubles from 0.2 s (±20% jitter): at least 0.16 s, then at least 0.32 s
            long gap1 = Duration.ofNanos(d.get(1).receivedAtNanos() - d.get(0).receivedAtNanos()).toMillis();
            long gap2 = Duration.ofNanos(d.get(2).receivedAtNanos() - d.get(1).receivedAtNanos()).toMillis();
            assertTrue(gap1 >= 160, "first retry after " + gap1 + " ms");
            assertTrue(gap2 >= 320, "second retry after " + gap2 + " ms");

            Eventually.until(WAIT, "delivery recorded", () -> "delivered".equals(
                    given().header("X-API-Key", DEMO).get("/v1/jobs/" + job).then().extract()
                            .path("webhook.status")));
            given().header("X-API-Key", DEMO).get("/v1/jobs/" + job).then()
                    .body("webhook.attempts", org.hamcrest.Matchers.equalTo(3))
                    .body("webhook.last_status_code", org.hamcrest.Matchers.equalTo(204));
            assertEquals(3, receiver.deliveries().size(), "no delivery after the accepted one");
        }
    }

    @Test
    void failedJobsAreAnnouncedAndRefusedUrlsAreGivenUp() throws Exception {
        Ready.await();
        String failed = Ids.newJobId();
        String refused = Ids.newJobId();
        try (WebhookReceiver receiver = new WebhookReceiver(0);
             Publisher events = new Publisher(stack.producer(), stack.topics())) {
            events.submit(failed, "demo", Task.OCR, null, null, null, receiver.url());
            events.failed(failed, "demo", 1, "media_invalid", "not an image");
            events.submit(refused, "demo", Task.OCR, null, null, null, "file:///etc/passwd");
            events.failed(refused, "demo", 1, "media_invalid", "not an image");
            Eventually.until(WAIT, "failure webhook", () -> receiver.deliveries().size() == 1);
            JsonNode body = new ObjectMapper().readTree(receiver.deliveries().getFirst().body());
            assertEquals("job.failed", body.path("type").asText());
            assertEquals("media_invalid", body.path("data").path("error").path("code").asText());
            Eventually.until(WAIT, "refused URL given up", () -> "failed".equals(
                    given().header("X-API-Key", DEMO).get("/v1/jobs/" + refused).then().extract()
                            .path("webhook.status")));
        }
    }

    static String expectedSignature(String secret, String id, String ts, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        byte[] sig = mac.doFinal((id + "." + ts + "." + body).getBytes(StandardCharsets.UTF_8));
        return "v1," + Base64.getEncoder().encodeToString(sig);
    }
}
