package dev.vlmesh.engine.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vlmesh.engine.generate.CancelSignal;
import dev.vlmesh.engine.generate.EngineOptions;
import dev.vlmesh.engine.generate.GenerationOptions;
import dev.vlmesh.engine.generate.GenerationRequest;
import dev.vlmesh.engine.generate.GenerationResult;
import dev.vlmesh.engine.generate.InternVlModel;
import dev.vlmesh.engine.generate.PreparedInput;
import dev.vlmesh.engine.generate.TokenListener;
import dev.vlmesh.engine.generate.VideoInput;
import dev.vlmesh.engine.image.ImagePreprocessor;
import dev.vlmesh.engine.image.ImageLimits;
import dev.vlmesh.engine.image.RgbImage;
import dev.vlmesh.engine.video.VideoDecodeOptions;
import dev.vlmesh.engine.video.VideoFrame;
import dev.vlmesh.engine.video.VideoReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The shipped demo model ({@code models/demo-internvl3}) through the engine, on every example of its committed
 * held-out set ({@code heldout/heldout.jsonl}, written by {@code tools/demo-model}'s {@code vlmdemo.heldout} with
 * transformers): from the PNG or MP4 file and the question, the engine must choose the same tiles (SHA-256 of each
 * uint8 tile) or video frames (indices and SHA-256 of each decoded RGB frame), build the same prompt ids, give the
 * same first-step top-5 logits within 1e-3, and decode greedily the exact token ids transformers decoded — right or
 * wrong answers alike.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoModelHeldoutTest {
    static final double LOGIT_TOLERANCE = 1e-3;

    private final Path dir = Path.of(System.getProperty("vlmesh.demo.model",
            Path.of(System.getProperty("vlmesh.repo.root", ".."), "models", "demo-internvl3").toString()));
    private InternVlModel model;

    @BeforeAll
    void load() throws IOException {
        model = InternVlModel.load(dir, EngineOptions.defaults().withThreads(2));
    }

    @AfterAll
    void close() {
        if (model != null) {
            model.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyHeldOutExample() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(dir.resolve("heldout/heldout.jsonl"));
        assertTrue(lines.size() >= 24, "the held-out set has " + lines.size() + " examples");
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : lines) {
            JsonNode ex = json.readTree(line);
            tests.add(DynamicTest.dynamicTest(ex.get("id").asText() + " " + ex.get("task").asText() + "/"
                    + ex.get("lang").asText(), () -> check(ex)));
        }
        return tests.stream();
    }

    private void check(JsonNode ex) throws IOException {
        Path media = dir.resolve("heldout").resolve(ex.get("media").get(0).asText());
        boolean video = ex.get("task").asText().equals("video");
        GenerationOptions options = GenerationOptions.greedy(ex.get("max_new_tokens").asInt());
        GenerationRequest.Builder request = GenerationRequest.builder(ex.get("question").asText()).options(options);
        if (video) {
            List<Integer> indices = new ArrayList<>();
            List<String> hashes = new ArrayList<>();
            try (VideoReader reader = VideoReader.open(media, VideoDecodeOptions.DEFAULT)) {
                for (VideoFrame f : reader.sample(VideoInput.DEFAULT_SEGMENTS, null)) {
                    indices.add(f.index());
                    hashes.add(sha256(f.image()));
                }
            }
            assertEquals(ints(ex.get("frame_indices")), indices, "sampled frame indices");
            assertEquals(strings(ex.get("frame_rgb_sha256")), hashes, "decoded RGB of the sampled frames");
            request.video(VideoInput.of(media, VideoInput.DEFAULT_SEGMENTS));
        } else {
            ImagePreprocessor pre = new ImagePreprocessor(model.config().imageSize(), model.config().maxDynamicPatch(),
                    ImageLimits.DEFAULT);
            List<String> hashes = pre.load(media).tiles().stream().map(DemoModelHeldoutTest::sha256).toList();
            assertEquals(strings(ex.get("tile_rgb_sha256")), hashes, "uint8 tiles (grid, resize, thumbnail)");
            request.image(media);
        }
        GenerationRequest r = request.build();
        PreparedInput in = model.prepare(r);
        assertArrayEquals(intArray(ex.get("prompt_token_ids")), in.tokenIds(), "prompt token ids");

        float[] logits = model.lastLogits(in);
        JsonNode top = ex.get("first_step_top5");
        assertEquals(top.get(0).get(0).asInt(), argmax(logits), "first generated token");
        for (JsonNode t : top) {
            float want = (float) t.get(1).asDouble();
            float got = logits[t.get(0).asInt()];
            assertTrue(Math.abs(got - want) <= LOGIT_TOLERANCE * Math.max(1, Math.abs(want)),
                    "logit of token " + t.get(0).asInt() + ": engine " + got + ", transformers " + want);
        }

        StringBuilder streamed = new StringBuilder();
        GenerationResult result = model.generate(in, options, new TokenListener() {
            @Override
            public void onToken(int tokenId, String text) {
                streamed.append(text);
            }

            @Override
            public void onTail(String text) {
                streamed.append(text);
            }
        }, CancelSignal.none());
        assertArrayEquals(intArray(ex.get("transformers_answer_ids")), result.tokenIds(),
                "greedy ids; transformers answered " + ex.get("transformers_answer").asText() + ", engine "
                        + result.text());
        assertEquals(ex.get("transformers_answer").asText(), result.text(), "answer text");
        assertEquals(result.text(), streamed.toString().strip(), "streamed text");
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static String sha256(RgbImage image) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image.pixels()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Integer> ints(JsonNode a) {
        List<Integer> out = new ArrayList<>();
        a.forEach(n -> out.add(n.asInt()));
        return out;
    }

    private static int[] intArray(JsonNode a) {
        return ints(a).stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(n -> out.add(n.asText()));
        return out;
    }
}
