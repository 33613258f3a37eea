package dev.vlmesh.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.image.InputFixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line on a fixture checkpoint: the streamed answer, and an exit code and message for each mistake. */
class CliTest {
    private static final String MODEL = "c-vit300m-qwen25-224-sharded";

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String model() {
        return InputFixtures.root().resolve("models").resolve(MODEL).resolve("original").toString();
    }

    static String image() {
        return InputFixtures.file("preprocess/images/rgb_320x240.jpg").toString();
    }

    @Test
    void streamsTheReferenceAnswerAndReportsTimings() throws IOException {
        JsonNode c = InputFixtures.json("outputs/" + MODEL + "/cases.json").get("cases").get(0);
        Run r = run("--model", model(), "--image", image(), "--prompt", c.get("question").asText(),
                "--max-new-tokens", "24", "--max-tiles", "1", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertEquals(c.get("greedy_text_skip_special").asText() + System.lineSeparator(), r.out());
        for (String part : new String[] {"preprocess", "vision", "prefill", "decode", "tok/s", "finish length"}) {
            assertTrue(r.err().contains(part), r.err());
        }
    }

    @Test
    void answersAboutAVideoFile() throws IOException {
        JsonNode c = InputFixtures.json("outputs/" + MODEL + "/cases.json").get("cases").get(3);
        assertEquals("video", c.get("name").asText());
        String q = c.get("question").asText();
        Run r = run("--model", model(), "--video", InputFixtures.file("video/clips/h264_160x120_10fps_16f.mp4")
                .toString(), "--frames", "4", "--prompt", q.substring(q.lastIndexOf('\n') + 1),
                "--max-new-tokens", "24");
        assertEquals(0, r.code(), r.err());
        assertEquals(c.get("greedy_text_skip_special").asText() + System.lineSeparator(), r.out());
    }

    @Test
    void samplingWithASeedIsRepeatable() {
        String[] args = {"--model", model(), "--image", image(), "--prompt", "Describe.", "--max-new-tokens", "8",
                "--temperature", "0.8", "--top-p", "0.9", "--seed", "5", "--max-tiles", "1"};
        Run a = run(args);
        Run b = run(args);
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), b.out());
        assertTrue(a.err().contains("seed 5"), a.err());
    }

    @Test
    void badArgumentsExitWith2() {
        for (String[] args : new String[][] {
                {"--model", model(), "--prompt", "x", "--bogus"},
                {"--model", model()},
                {"--prompt", "x"},
                {"--model", model(), "--prompt", "x", "--max-tiles", "13"},
                {"--model", model(), "--prompt", "x", "--temperature", "warm"},
                {"--model", model(), "--prompt", "x", "--top-p", "0"},
                {"--model", model(), "--prompt", "x", "--weights", "int4"},
                {"--model", model(), "--prompt", "x", "--gemm", "mkl"},
                {"--model", model(), "--prompt"}}) {
            Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + " → " + r.err());
            assertTrue(r.err().startsWith("error: ") && r.err().contains("usage:"), r.err());
        }
        Run help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--max-new-tokens"));
        assertTrue(help.out().contains("--weights FORMAT"));
        assertTrue(help.out().contains("--gemm BACKEND"));
    }

    @Test
    void openBlasGemmAnswersAndSaysWhichCoreRan() {
        Run r = run("--model", model(), "--image", image(), "--prompt", "Describe.", "--max-new-tokens", "4",
                "--max-tiles", "1", "--gemm", "openblas");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("gemm: OpenBLAS core ") && r.err().contains("OPENBLAS_CORETYPE"), r.err());
        assertTrue(r.out().strip().length() > 0, r.out());
    }

    @Test
    void q8WeightsAnswerAndSayWhatWasQuantized() {
        Run r = run("--model", model(), "--image", image(), "--prompt", "Describe.", "--max-new-tokens", "4",
                "--max-tiles", "1", "--weights", "q8_0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("weights q8_0: ") && r.err().contains("matrices quantized"), r.err());
        assertTrue(r.out().strip().length() > 0, r.out());
    }

    @Test
    void badInputsExitWith3() throws IOException {
        Run missing = run("--model", model(), "--image", tmp.resolve("nope.png").toString(), "--prompt", "x");
        assertEquals(3, missing.code());
        assertTrue(missing.err().contains("nope.png"), missing.err());
        Path fake = tmp.resolve("fake.jpg");
        Files.writeString(fake, "this is not an image");
        Run corrupt = run("--model", model(), "--image", fake.toString(), "--prompt", "x");
        assertEquals(3, corrupt.code(), corrupt.err());
        assertTrue(corrupt.err().startsWith("error: "), corrupt.err());
        Run video = run("--model", model(), "--video", fake.toString(), "--prompt", "x");
        assertEquals(3, video.code(), video.err());
        assertTrue(video.err().startsWith("error: "), video.err());
        Run noVideo = run("--model", model(), "--video", tmp.resolve("none.mp4").toString(), "--prompt", "x");
        assertEquals(3, noVideo.code());
        assertTrue(noVideo.err().contains("none.mp4"), noVideo.err());
    }

    @Test
    void badModelDirectoriesExitWith4() throws IOException {
        Run none = run("--model", tmp.resolve("missing").toString(), "--prompt", "x");
        assertEquals(4, none.code());
        assertTrue(none.err().contains("does not exist"), none.err());
        Run empty = run("--model", tmp.toString(), "--prompt", "x");
        assertEquals(4, empty.code());
        assertTrue(empty.err().contains("config.json"), empty.err());
        Path broken = Files.createDirectory(tmp.resolve("broken"));
        Path src = Path.of(model());
        for (String f : new String[] {"config.json", "vocab.json", "merges.txt", "added_tokens.json",
                "tokenizer_config.json", "model.safetensors.index.json"}) {
            Files.copy(src.resolve(f), broken.resolve(f));
        }
        Run shards = run("--model", broken.toString(), "--prompt", "x");
        assertEquals(4, shards.code());
        assertTrue(shards.err().contains("does not exist"), shards.err());
    }
}
