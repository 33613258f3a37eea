package dev.vlmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The command line itself: usage errors, unreachable services and the checkpoint refresh request, over real HTTP
 * to a local receiver. Job commands are tested against the running results-service in that module's tests.
 */
class CommandLineTest {

    record Run(int code, String out, String err) {
    }

    static Run run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env).run(args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void usageErrorsExitWithTwo() {
        Run none = run(Map.of());
        assertEquals(ExitCodes.USAGE, none.code());
        assertTrue(none.err().contains("usage: vlmesh"));
        assertEquals(ExitCodes.OK, run(Map.of(), "--help").code());
        assertEquals(ExitCodes.USAGE, run(Map.of(), "frobnicate").code());
        assertEquals(ExitCodes.USAGE, run(Map.of("VLMESH_API_KEY", "k"), "submit", "no/such/file.png").code());
        Run noKey = run(Map.of(), "watch", "job_1");
        assertEquals(ExitCodes.USAGE, noKey.code());
        assertTrue(noKey.err().contains("VLMESH_API_KEY"), noKey.err());
        assertEquals(ExitCodes.USAGE, run(Map.of("VLMESH_API_KEY", "k"), "jobs", "--limt", "3").code());
        assertEquals(ExitCodes.USAGE, run(Map.of("VLMESH_API_KEY", "k"), "checkpoint", "refresh", "m",
                "--llm-pp-layers", "[6,8]").code());
    }

    @Test
    void anUnreachableServiceExitsWithFive() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        Run r = run(Map.of("VLMESH_API_KEY", "k", "VLMESH_RESULTS_URL", "http://127.0.0.1:" + port), "jobs");
        assertEquals(ExitCodes.UNAVAILABLE, r.code());
        assertTrue(r.err().contains("cannot reach"), r.err());
    }

    @Test
    void checkpointRefreshPostsTheRequestToConvert() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        List<String> keys = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        java.util.concurrent.atomic.AtomicInteger polls = new java.util.concurrent.atomic.AtomicInteger();
        server.createContext("/v1/checkpoints", ex -> {
            String answer;
            if (ex.getRequestMethod().equals("POST")) {
                bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                keys.add(ex.getRequestHeaders().getFirst("X-API-Key"));
                answer = "{\"conversionId\":\"conv_123\",\"modelName\":\"internvl3-1b\",\"state\":\"QUEUED\"}";
            } else {
                assertEquals("/v1/checkpoints/conv_123", ex.getRequestURI().getPath());
                answer = polls.incrementAndGet() < 2
                        ? "{\"conversionId\":\"conv_123\",\"state\":\"RUNNING\",\"phase\":\"convert\","
                        + "\"shardsDone\":1,\"shardsTotal\":4}"
                        : "{\"conversionId\":\"conv_123\",\"state\":\"READY\",\"version\":\"v7\"}";
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(ex.getRequestMethod().equals("POST") ? 202 : 200, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            Run r = run(Map.of("VLMESH_API_KEY", "secret-key"), "--convert", url, "checkpoint", "refresh",
                    "internvl3-1b", "--source-prefix", "sources/internvl3-1b/", "--tp", "2",
                    "--llm-pp-layers", "[[6,8,8,6]]", "--vit-pp-layers", "[[24,0,0,0]]", "--wait");
            assertEquals(ExitCodes.OK, r.code(), r.err());
            assertEquals("conv_123\nversion v7\n", r.out());
            assertTrue(r.err().contains("RUNNING · convert · shards 1/4"), r.err());
            assertEquals(List.of("secret-key"), keys);
            // the fields of a CheckpointRefreshRequested, as convert-service's POST /v1/checkpoints takes them
            Object body = Json.parse(bodies.getFirst());
            assertEquals("internvl3-1b", Json.str(body, "modelName"));
            assertEquals("sources/internvl3-1b/", Json.str(body, "sourcePrefix"));
            assertEquals(2L, Json.at(body, "parallel.tp"));
            assertEquals(List.of(List.of(6L, 8L, 8L, 6L)), Json.at(body, "parallel.llmPpLayers"));
            assertEquals(List.of(List.of(24L, 0L, 0L, 0L)), Json.at(body, "parallel.vitPpLayers"));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aRefusalPrintsTheProblemAndExitsWithFour() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/checkpoints", ex -> {
            byte[] answer = ("{\"type\":\"https://vlmesh.dev/problems/source-not-found\",\"title\":\"Source not "
                    + "found\",\"status\":404,\"detail\":\"Nothing under sources/x/.\"}").getBytes();
            ex.getResponseHeaders().add("Content-Type", "application/problem+json");
            ex.sendResponseHeaders(404, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        server.start();
        try {
            Run r = run(Map.of("VLMESH_API_KEY", "k", "VLMESH_CONVERT_URL",
                    "http://127.0.0.1:" + server.getAddress().getPort()), "checkpoint", "refresh", "x");
            assertEquals(ExitCodes.REFUSED, r.code());
            assertTrue(r.err().contains("Source not found: Nothing under sources/x/."), r.err());
        } finally {
            server.stop(0);
        }
    }
}
