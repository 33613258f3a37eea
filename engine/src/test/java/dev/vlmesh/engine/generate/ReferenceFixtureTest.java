package dev.vlmesh.engine.generate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.image.InputFixtures;
import dev.vlmesh.engine.image.PixelValues;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The engine against transformers on every fixture checkpoint in both layouts, fed the fixture's token ids and
 * pixel tiles: ViT last hidden state and projector features within 1e-4 relative, last-position logits of every
 * prompt case within 1e-4 relative. The prompt cases reuse the engine's own features of each input (checked
 * first) so each tile is encoded once. Greedy continuations are checked from the files up in
 * {@link EndToEndFixtureTest}.
 */
class ReferenceFixtureTest {
    static final double TOLERANCE = 1e-4;

    @TestFactory
    Stream<DynamicNode> everyCheckpoint() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (String model : ModelFixtures.MODELS) {
            for (String layout : ModelFixtures.LAYOUTS) {
                nodes.add(DynamicContainer.dynamicContainer(model + "/" + layout,
                        Stream.of(DynamicTest.dynamicTest("matches the reference", () -> check(model, layout)))));
            }
        }
        return nodes.stream();
    }

    static void check(String model, String layout) throws IOException {
        JsonNode cases = ModelFixtures.cases(model);
        Map<String, InputFixtures.Tensor> out = ModelFixtures.outputs(model);
        int size = ModelFixtures.imageSize(cases);
        List<String> failures = new ArrayList<>();
        try (InternVlModel m = InternVlModel.load(ModelFixtures.checkpoint(model, layout),
                EngineOptions.defaults().withThreads(2))) {
            Map<String, PixelValues> pixels = new HashMap<>();
            for (String key : List.of("single", "multi", "video")) {
                pixels.put(key, ModelFixtures.pixels(key, size));
            }
            float[] hidden = m.visionHiddenState(pixels.get("single"), 0);
            double e = ModelFixtures.relativeError(hidden,
                    ModelFixtures.floats(out.get("vit_last_hidden_state.single")));
            note(failures, "vit_last_hidden_state.single", e);
            Map<String, float[]> features = new HashMap<>();
            for (String key : pixels.keySet()) {
                float[] f = m.imageFeatures(pixels.get(key));
                features.put(key, f);
                note(failures, "features." + key, ModelFixtures.relativeError(f,
                        ModelFixtures.floats(out.get("features." + key))));
            }
            for (JsonNode c : cases.get("cases")) {
                String name = c.get("name").asText();
                int[] ids = ModelFixtures.ints(c.get("input_ids"));
                // the vision path was checked above; reuse its features (the engine's own, not the fixture's)
                float[] f = new float[0];
                for (JsonNode in : c.get("inputs")) {
                    float[] part = features.get(in.asText());
                    float[] joined = java.util.Arrays.copyOf(f, f.length + part.length);
                    System.arraycopy(part, 0, joined, f.length, part.length);
                    f = joined;
                }
                PreparedInput input = PreparedInput.withFeatures(ids, f, m.imageTokenId());
                float[] logits = m.lastLogits(input);
                note(failures, "logits." + name, ModelFixtures.relativeError(logits,
                        ModelFixtures.floats(out.get(c.get("last_position_logits_tensor").asText()))));
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private static void note(List<String> failures, String what, double relError) {
        System.out.printf("%-32s rel %.3g%n", what, relError);
        if (!(relError <= TOLERANCE)) {
            failures.add(what + ": relative error " + relError + " > " + TOLERANCE);
        }
    }
}
