package dev.vlmesh.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.image.InputFixtures;
import dev.vlmesh.engine.image.PixelValues;
import dev.vlmesh.engine.image.RgbImage;
import dev.vlmesh.engine.video.FrameSampler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The engine against transformers on every fixture checkpoint in both layouts and all five prompt cases, starting
 * from the files a user has (images, decoded video frames, question, history):
 * <ul>
 *   <li>the prompt ids and pixel values the engine prepares equal the reference inputs;</li>
 *   <li>the ViT last hidden state and the projector features of each input are within 1e-4 relative
 *       (max |diff| / max |value|) of transformers' float32 values;</li>
 *   <li>the last-position logits of every case are within 1e-4 relative;</li>
 *   <li>the 24-token greedy continuation, the streamed text and the answer are identical.</li>
 * </ul>
 * Each input is encoded once per checkpoint and its features reused by the cases; one case per checkpoint (a
 * different one each time, so all five are covered) runs through {@code generate(GenerationRequest)} in one call.
 * The video case starts from the clip file (decoded by the engine through FFmpeg); the same request built from
 * the fixture's stored decoded frames must give the same pixels.
 */
class ReferenceFixtureTest {
    static final double TOLERANCE = 1e-4;
    private static final String SINGLE = "preprocess/images/rgb_320x240.jpg";
    private static final String MULTI = "preprocess/images/tie2_small_60x30.png";
    private static final String CLIP = "h264_160x120_10fps_16f.mp4";

    @TestFactory
    Stream<DynamicNode> everyCheckpointAndCase() {
        List<DynamicNode> tests = new ArrayList<>();
        int n = 0;
        for (String model : ModelFixtures.MODELS) {
            for (String layout : ModelFixtures.LAYOUTS) {
                int wholeCase = n++ % 5;
                tests.add(DynamicTest.dynamicTest(model + "/" + layout, () -> check(model, layout, wholeCase)));
            }
        }
        return tests.stream();
    }

    static void check(String model, String layout, int wholeCase) throws IOException {
        JsonNode cases = ModelFixtures.cases(model);
        Map<String, InputFixtures.Tensor> out = ModelFixtures.outputs(model);
        List<RgbImage> frames = videoFrames();
        List<String> errors = new ArrayList<>();
        try (InternVlModel m = InternVlModel.load(ModelFixtures.checkpoint(model, layout),
                EngineOptions.defaults().withThreads(2))) {
            // inputs as the engine prepares them from the files
            Map<String, PixelValues> pixels = new HashMap<>();
            List<PreparedInput> prepared = new ArrayList<>();
            for (JsonNode c : cases.get("cases")) {
                String name = c.get("name").asText();
                PreparedInput in = m.prepare(request(c, null));
                if (name.equals("video")) {
                    PreparedInput fromFrames = m.prepare(request(c, frames));
                    assertArrayEquals(in.pixels().data(), fromFrames.pixels().data(), "decoded vs stored frames");
                }
                assertArrayEquals(ModelFixtures.ints(c.get("input_ids")), in.tokenIds(), name + ": prompt ids");
                assertEquals(c.get("pixel_values_f32le_sha256").asText(), InputFixtures.sha256F32(in.pixels().data()),
                        name + ": pixel values");
                prepared.add(in);
                if (c.get("inputs").size() == 1) {
                    pixels.putIfAbsent(c.get("inputs").get(0).asText(), in.pixels());
                }
            }
            // vision
            float[] hidden = m.visionHiddenState(pixels.get("single"), 0);
            note(errors, "vit_last_hidden_state.single", ModelFixtures.relativeError(hidden,
                    ModelFixtures.floats(out.get("vit_last_hidden_state.single"))));
            Map<String, float[]> features = new HashMap<>();
            for (String key : List.of("single", "multi", "video")) {
                float[] f = m.imageFeatures(pixels.get(key));
                features.put(key, f);
                note(errors, "features." + key, ModelFixtures.relativeError(f,
                        ModelFixtures.floats(out.get("features." + key))));
            }
            // every prompt case
            for (int i = 0; i < prepared.size(); i++) {
                JsonNode c = cases.get("cases").get(i);
                String name = c.get("name").asText();
                float[] f = new float[0];
                for (JsonNode input : c.get("inputs")) {
                    float[] part = features.get(input.asText());
                    f = Arrays.copyOf(f, f.length + part.length);
                    System.arraycopy(part, 0, f, f.length - part.length, part.length);
                }
                PreparedInput in = PreparedInput.withFeatures(prepared.get(i).tokenIds(), f, m.imageTokenId());
                note(errors, "logits." + name, ModelFixtures.relativeError(m.lastLogits(in),
                        ModelFixtures.floats(out.get(c.get("last_position_logits_tensor").asText()))));
                GenerationOptions greedy = GenerationOptions.greedy(24).withStopTokenIds(Set.of());
                StringBuilder streamed = new StringBuilder();
                TokenListener listener = new TokenListener() {
                    @Override
                    public void onToken(int tokenId, String text) {
                        streamed.append(text);
                    }

                    @Override
                    public void onTail(String text) {
                        streamed.append(text);
                    }
                };
                GenerationResult r = i == wholeCase
                        ? m.generate(request(c, frames), listener, new CancelSignal())
                        : m.generate(in, greedy, listener, new CancelSignal());
                String where = model + "/" + layout + " " + name + (i == wholeCase ? " (whole request)" : "");
                assertArrayEquals(ModelFixtures.ints(c.get("greedy_ids")), r.tokenIds(), where + ": greedy ids");
                String text = c.get("greedy_text_skip_special").asText();
                assertEquals(text, streamed.toString(), where + ": streamed text");
                assertEquals(text.strip(), r.text(), where + ": answer");
                assertEquals(FinishReason.LENGTH, r.finishReason());
                assertEquals(new Usage(in.tokenIds().length, in.imageTokens(), 24), r.usage());
            }
        }
        assertTrue(errors.isEmpty(), model + "/" + layout + ":\n" + String.join("\n", errors));
    }

    private static void note(List<String> errors, String what, double relError) {
        System.out.printf("%-32s rel %.3g%n", what, relError);
        if (!(relError <= TOLERANCE)) {
            errors.add(what + ": relative error " + relError + " > " + TOLERANCE);
        }
    }

    /** The request a user would make for a fixture case: image files, frames, question, history. */
    static GenerationRequest request(JsonNode c, List<RgbImage> frames) {
        GenerationOptions greedy = GenerationOptions.greedy(24).withStopTokenIds(Set.of());
        GenerationRequest.Builder b;
        if (c.get("name").asText().equals("video")) {
            // the question without its FrameN prefix: the engine adds "FrameN: <image>\n" itself
            String q = c.get("question").asText();
            b = GenerationRequest.builder(q.substring(q.lastIndexOf('\n') + 1));
            if (frames == null) {
                b.video(VideoInput.of(InputFixtures.file("video/clips/" + CLIP), 4));
            } else {
                frames.forEach(f -> b.videoFrame(ImageInput.decoded(f)));
            }
        } else {
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
