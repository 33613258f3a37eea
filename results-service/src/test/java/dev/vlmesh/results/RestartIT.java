package dev.vlmesh.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vlmesh.events.Ids;
import dev.vlmesh.events.Task;
import dev.vlmesh.testing.LocalStackExtension;
import dev.vlmesh.testing.TestStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two instances of the packaged service on one namespace. One is killed (SIGKILL) while a client streams a job from
 * it; the client resumes on the other with Last-Event-ID; the killed one comes back with its state folder deleted
 * and rebuilds everything from its changelog topics, including a webhook it had not managed to deliver.
 */
@ExtendWith(LocalStackExtension.class)
class RestartIT {

    static final Duration START = Duration.ofSeconds(180);
    static final Duration WAIT = Duration.ofSeconds(60);
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    static String namespace;

    @AfterAll
    static void dropInternalTopics() {
        ResultsStackResource.deleteInternalTopics(namespace);
    }

    @Test
    void aCrashLosesNothingAndStreamsResumeOnAnyInstance(TestStack stack) throws Exception {
        namespace = stack.namespace();
        Path state = Path.of("target", "it-state", stack.namespace());
        Map<String, String> fast = Map.of("vlmesh.webhooks.allow-private-addresses", "true",
                "vlmesh.webhooks.initial-backoff", "PT0.3S", "vlmesh.webhooks.max-backoff", "PT1S",
                "vlmesh.webhooks.poll-interval", "PT0.1S");
        Map<String, String> silent = new java.util.HashMap<>(fast);
        silent.put("vlmesh.webhooks.enabled", "false"); // one sender, so deliveries are counted per instance
        String job = Ids.newJobId();
        String hooked = Ids.newJobId();
        try (Publisher events = new Publisher(stack.producer(), stack.topics());
             WebhookReceiver receiver = new WebhookReceiver(Integer.MAX_VALUE);
             ServiceProcess a = ServiceProcess.results(stack, "a", state.resolve("a"), fast);
             ServiceProcess b = ServiceProcess.results(stack, "b", state.resolve("b"), silent)) {
            a.launch();
            b.launch();
            a.awaitReady(START);
            b.awaitReady(START);

            events.submit(job, "demo", Task.DESCRIBE, null, null, null, null);
            events.started(job, "demo", 1);
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                events.delta(job, "demo", 1, i, "part" + i + " ");
                expected.append("part").append(i).append(' ');
            }
            // a job whose webhook the receiver refuses for now
            events.submit(hooked, "demo", Task.OCR, null, null, null, receiver.url());
            events.completed(hooked, "demo", 1, "TEXT", "stop");

            List<SseClient.Event> received = new ArrayList<>();
            SseClient fromA = SseClient.open(a.url() + "/v1/jobs/" + job + "/events", "X-API-Key", TestKeys.DEMO);
            received.addAll(fromA.take(6, WAIT));
            Eventually.until(WAIT, "a refused webhook attempt", () -> !receiver.deliveries().isEmpty());

            a.crash();
            assertTrue(fromA.rest(WAIT).isEmpty(), "the stream from the dead instance just ends");
            fromA.close();
            for (int i = 5; i < 10; i++) { // produced while instance a is down
                events.delta(job, "demo", 1, i, "part" + i + " ");
                expected.append("part").append(i).append(' ');
            }

            try (SseClient fromB = SseClient.open(b.url() + "/v1/jobs/" + job + "/events", "X-API-Key",
                    TestKeys.DEMO, "Last-Event-ID", received.getLast().id())) {
                received.addAll(fromB.take(5, WAIT));
            }

            // a comes back with no local state at all: everything is restored from its changelog topics
            deleteTree(a.dataDir());
            int refusedBeforeRestart = receiver.deliveries().size();
            receiver.acceptFromNowOn();
            a.start(START);
            events.completed(job, "demo", 1, expected.toString(), "stop");
            try (SseClient again = SseClient.open(a.url() + "/v1/jobs/" + job + "/events", "X-API-Key",
                    TestKeys.DEMO, "Last-Event-ID", received.getLast().id())) {
                received.addAll(again.rest(WAIT));
            }

            assertEquals(LongStream.rangeClosed(1, 12).boxed().toList(),
                    received.stream().map(e -> Long.parseLong(e.id())).toList(), "each event once, in order");
            StringBuilder text = new StringBuilder();
            for (SseClient.Event e : received) {
                if (e.name().equals("delta")) {
                    text.append(JSON.readTree(e.data()).path("text").asText());
                }
            }
            assertEquals(expected.toString(), text.toString());
            for (ServiceProcess p : List.of(a, b)) {
                JsonNode view = get(p.url() + "/v1/jobs/" + job);
                assertEquals("succeeded", view.path("status").asText(), p.url());
                assertEquals(expected.toString(), view.path("text").asText());
                assertEquals(12, view.path("last_event_id").asInt());
            }

            // the webhook that was still pending when a died is delivered by the restarted a, same id
            Eventually.until(WAIT, "webhook delivered after restart", () -> receiver.deliveries().stream()
                    .anyMatch(d -> d.answered() == 204));
            List<WebhookReceiver.Delivery> all = receiver.deliveries();
            assertTrue(refusedBeforeRestart >= 1);
            assertEquals(1, all.stream().map(d -> d.headers().get("webhook-id")).distinct().count(),
                    "one message id across all attempts");
            assertEquals(1, all.stream().filter(d -> d.answered() == 204).count());
            Eventually.until(WAIT, "delivery recorded", () -> "delivered".equals(
                    get(a.url() + "/v1/jobs/" + hooked).path("webhook").path("status").asText()));
        }
    }

    static JsonNode get(String url) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .header("X-API-Key", TestKeys.DEMO).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createObjectNode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path dir) throws Exception {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
