package dev.vlmesh.ingest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.UnreadableRecordException;
import dev.vlmesh.testing.TestStack;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Helpers shared by the ingest tests: authenticated requests, problem checks, reading job events back. */
public final class Api {
    private Api() {
    }

    public static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    public static RequestSpecification demo() {
        return as(IngestTestProfile.DEMO_KEY);
    }

    /** Asserts an RFC 7807 problem with this status and type, with no trace of internals; returns it. */
    public static Response problem(Response r, int status, String type) {
        assertEquals(status, r.statusCode(), () -> "body: " + r.asString());
        assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
        assertEquals("https://vlmesh.dev/problems/" + type, r.jsonPath().getString("type"), r.asString());
        assertEquals(status, r.jsonPath().getInt("status"));
        String detail = r.jsonPath().getString("detail");
        assertTrue(detail != null && detail.length() > 10, "a detail a person can act on: " + detail);
        noInternals(r);
        snakeCaseOnly(r); // RFC 7807 members are single words; extension members are snake_case
        return r;
    }

    public static void noInternals(Response r) {
        String body = r.asString();
        assertNotEquals(500, r.statusCode(), body);
        assertFalse(body.contains("Exception") || body.contains("\tat ") || body.contains(".java:"),
                "internals leaked: " + body);
    }

    /**
     * Asserts that every member name in the body is snake_case (lower case, digits, underscores), as results-service
     * answers; the values of {@code headers} are HTTP header names and keep their case. Returns the body.
     */
    public static JsonNode snakeCaseOnly(Response r) {
        JsonNode body;
        try {
            body = EventCodec.json().readTree(r.asByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> wrong = new ArrayList<>();
        collectNonSnake(body, "", wrong);
        assertEquals(List.of(), wrong, () -> "member names not in snake_case in " + r.asString());
        return body;
    }

    private static void collectNonSnake(JsonNode node, String path, List<String> wrong) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String name = e.getKey();
                if (!name.matches("[a-z][a-z0-9_]*")) {
                    wrong.add(path + name);
                }
                if (!name.equals("headers")) {
                    collectNonSnake(e.getValue(), path + name + ".", wrong);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectNonSnake(node.get(i), path + "[" + i + "].", wrong);
            }
        }
    }

    public static JobSubmitted submitted(ConsumerRecord<byte[], byte[]> r) {
        try {
            return EventCodec.decode(r.headers(), r.value(), JobSubmitted.class);
        } catch (UnreadableRecordException e) {
            throw new AssertionError(e);
        }
    }

    /** The JobSubmitted event of {@code jobId} (waits for it). */
    public static JobSubmitted awaitJob(TestStack stack, String jobId) {
        List<ConsumerRecord<byte[], byte[]>> found = stack.await(stack.topics().jobsSubmitted(),
                r -> jobId.equals(new String(r.key())), 1, Duration.ofSeconds(20));
        return submitted(found.get(0));
    }

    /** Every JobSubmitted currently on the topic. */
    public static List<JobSubmitted> allJobs(TestStack stack) {
        return stack.readAll(stack.topics().jobsSubmitted()).stream().map(Api::submitted).toList();
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
