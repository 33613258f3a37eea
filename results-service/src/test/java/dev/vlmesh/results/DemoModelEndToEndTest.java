package dev.vlmesh.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vlmesh.cli.ExitCodes;
import dev.vlmesh.cli.Main;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shipped demo model through the whole stack: every example of its committed held-out set (images and videos,
 * English and Chinese, written by {@code tools/demo-model}'s {@code vlmdemo.heldout} with transformers) is uploaded
 * with its question by the CLI to the real ingest-service, answered by the real infer-service serving the demo model
 * (the stack's default), and read back from results-service. Every answer must be exactly transformers' greedy answer
 * for that file and question; the share of answers that are also right is printed per task and checked against
 * what the model card claims for this set.
 */
@QuarkusTest
@QuarkusTestResource(value = DemoStackResource.class, restrictToAnnotatedClass = true)
class DemoModelEndToEndTest {

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void ready() {
        Ready.await();
    }

    record Example(String id, String task, Path file, String question, String transformers, String expected,
                   int maxNewTokens) {
    }

    static List<Example> heldout() throws IOException {
        Path dir = DemoStackResource.demoModel().resolve("heldout");
        List<Example> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(dir.resolve("heldout.jsonl"))) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode e = json.readTree(line);
            out.add(new Example(e.get("id").asText(), e.get("task").asText(), dir.resolve(e.get("media").get(0).asText()),
                    e.get("question").asText(), e.get("transformers_answer").asText(),
                    e.get("expected_answer").asText(), e.get("max_new_tokens").asInt()));
        }
        return out;
    }

    String ask(Example e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = Map.of("VLMESH_API_KEY", TestKeys.DEMO,
                "VLMESH_RESULTS_URL", base.toString().replaceAll("/$", ""),
                "VLMESH_INGEST_URL", ConfigProvider.getConfig().getValue("vlmesh.console.ingest-url", String.class));
        int code = new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env)
                .run(new String[]{"ask", e.file().toString(), e.question(),
                        "--max-new-tokens", String.valueOf(e.maxNewTokens()), "--timeout", "180"});
        assertEquals(ExitCodes.OK, code, e.id() + ": " + err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8).strip();
    }

    @Test
    void everyHeldOutExampleGetsTransformersAnswerThroughTheStack() throws IOException {
        List<String> differ = new ArrayList<>();
        Map<String, int[]> right = new TreeMap<>();
        for (Example e : heldout()) {
            String answer = ask(e);
            if (!answer.equals(e.transformers())) {
                differ.add(e.id() + " " + e.task() + ": stack '" + answer + "' vs transformers '" + e.transformers()
                        + "'");
            }
            int[] score = right.computeIfAbsent(e.task(), k -> new int[2]);
            score[0] += answer.equals(e.expected()) ? 1 : 0;
            score[1]++;
        }
        right.forEach((task, s) -> System.out.printf("demo model through the stack: %s %d/%d right%n", task, s[0], s[1]));
        assertEquals(List.of(), differ);
        assertTrue(right.get("video")[1] >= 8 && right.get("describe")[1] >= 8 && right.get("ocr")[1] >= 8,
                "the held-out set covers every task");
    }
}
