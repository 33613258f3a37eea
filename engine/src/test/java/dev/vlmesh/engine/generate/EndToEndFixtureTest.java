package dev.vlmesh.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.image.InputFixtures;
import dev.vlmesh.engine.image.RgbImage;
import dev.vlmesh.engine.video.FrameSampler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Files → preprocessing → prompt → vision → LLM → text on every fixture checkpoint, both layouts, all five prompt
 * cases: the engine's token ids and pixel values equal the reference inputs, and the 24-token greedy continuation
 * and its text equal transformers'. Video frames come from the fixture's decoded frames (video decoding is not part
 * of the engine yet), sampled with the reference rule.
 */
class EndToEndFixtureTest {
    private static final String SINGLE = "preprocess/images/rgb_320x240.jpg";
    private static final String MULTI = "preprocess/images/tie2_small_60x30.png";
    private static final String CLIP = "h264_160x120_10fps_16f.mp4";

    @TestFactory
    Stream<DynamicNode> everyCheckpointAndCase() {
        List<DynamicNode> tests = new ArrayList<>();
        for (String model : ModelFixtures.MODELS) {
            for (String layout : ModelFixtures.LAYOUTS) {
                tests.add(DynamicTest.dynamicTest(model + "/" + layout, () -> check(model, layout)));
            }
        }
        return tests.stream();
    }

    static void check(String model, String layout) throws IOException {
        JsonNode cases = ModelFixtures.cases(model);
        List<RgbImage> frames = videoFrames();
        try (InternVlModel m = InternVlModel.load(ModelFixtures.checkpoint(model, layout),
                EngineOptions.defaults().withThreads(2))) {
            for (JsonNode c : cases.get("cases")) {
                String name = c.get("name").asText();
                GenerationRequest request = request(c, frames);
                PreparedInput in = m.prepare(request);
                assertArrayEquals(ModelFixtures.ints(c.get("input_ids")), in.tokenIds(), name + ": prompt ids");
                assertEquals(c.get("pixel_values_f32le_sha256").asText(), InputFixtures.sha256F32(in.pixels().data()),
                        name + ": pixel values");
                StringBuilder streamed = new StringBuilder();
                GenerationResult r = m.generate(in, request.options(), new TokenListener() {
                    @Override
                    public void onToken(int tokenId, String text) {
                        streamed.append(text);
                    }

                    @Override
                    public void onTail(String text) {
                        streamed.append(text);
                    }
                }, new CancelSignal());
                int[] expected = ModelFixtures.ints(c.get("greedy_ids"));
                assertArrayEquals(expected, r.tokenIds(), model + "/" + layout + " " + name + ": greedy ids");
                String text = c.get("greedy_text_skip_special").asText();
                assertEquals(text, streamed.toString(), name + ": streamed text");
                assertEquals(text.strip(), r.text(), name + ": answer");
                assertEquals(FinishReason.LENGTH, r.finishReason());
                assertEquals(new Usage(expected.length == 0 ? 0 : in.tokenIds().length, in.imageTokens(), 24),
                        r.usage());
            }
        }
    }

    /** The request a user would make for a fixture case: image files, frames, question, history. */
    static GenerationRequest request(JsonNode c, List<RgbImage> frames) {
        GenerationOptions greedy = GenerationOptions.greedy(24).withStopTokenIds(Set.of());
        String name = c.get("name").asText();
        GenerationRequest.Builder b;
        switch (name) {
            case "video" -> {
                // the question without its Frame prefix: the engine adds "FrameN: <image>\n" itself
                String q = c.get("question").asText();
                b = GenerationRequest.builder(q.substring(q.lastIndexOf('\n') + 1));
                frames.forEach(f -> b.videoFrame(ImageInput.decoded(f)));
            }
            default -> {
                b = GenerationRequest.builder(c.get("question").asText());
                for (JsonNode input : c.get("inputs")) {
                    switch (input.asText()) {
                        case "single" -> b.image(ImageInput.file(InputFixtures.file(SINGLE), 1));
                        case "multi" -> b.image(ImageInput.file(InputFixtures.file(MULTI), 6));
                        default -> throw new IllegalStateException("unknown input " + input);
                    }
                }
                JsonNode history = c.get("history");
                if (history != null && history.isArray()) {
                    for (JsonNode turn : history) {
                        b.turn(turn.get(0).asText(), turn.get(1).asText());
                    }
                }
            }
        }
        return b.options(greedy).build();
    }

    /** The 4 frames the reference samples from the fixture clip (decoded by FFmpeg, stored as rgb24). */
    static List<RgbImage> videoFrames() throws IOException {
        InputFixtures.Tensor rgb = InputFixtures.safetensors("video/frames/" + CLIP + ".safetensors").get("rgb24");
        int n = (int) rgb.shape()[0];
        int h = (int) rgb.shape()[1];
        int w = (int) rgb.shape()[2];
        int[] idx = FrameSampler.frameIndices(n, 10.0, 4);
        List<RgbImage> out = new ArrayList<>();
        int frame = h * w * 3;
        for (int i : idx) {
            out.add(new RgbImage(w, h, Arrays.copyOfRange(rgb.data(), i * frame, (i + 1) * frame)));
        }
        return out;
    }

}
