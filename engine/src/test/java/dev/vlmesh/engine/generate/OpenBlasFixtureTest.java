package dev.vlmesh.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.image.PixelValues;
import dev.vlmesh.engine.kernel.GemmBackend;
import dev.vlmesh.engine.kernel.OpenBlasGemm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The fixture models with the OpenBLAS GEMM backend ({@link EngineOptions#gemm}): every prompt case gives the same
 * 24 greedy tokens as transformers (and so as the Java kernels, {@link ReferenceFixtureTest}), and the vision
 * features and last-position logits stay within the fixtures' relative 1e-4.
 */
class OpenBlasFixtureTest {

    @TestFactory
    Stream<DynamicTest> greedyTokensEqualTheReference() {
        assertTrue(OpenBlasGemm.status().available(), OpenBlasGemm.status().toString());
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : ModelFixtures.MODELS) {
            tests.add(DynamicTest.dynamicTest(model, () -> check(model)));
        }
        return tests.stream();
    }

    private static void check(String model) throws Exception {
        JsonNode cases = ModelFixtures.cases(model);
        var out = ModelFixtures.outputs(model);
        int size = ModelFixtures.imageSize(cases);
        List<String> errors = new ArrayList<>();
        EngineOptions options = EngineOptions.defaults().withThreads(2).withGemm(GemmBackend.OPENBLAS);
        try (InternVlModel m = InternVlModel.load(ModelFixtures.checkpoint(model, "hf"), options)) {
            Map<String, float[]> features = new HashMap<>();
            for (String key : List.of("single", "multi", "video")) {
                PixelValues pv = ModelFixtures.pixels(key, size);
                float[] f = m.imageFeatures(pv);
                features.put(key, f);
                note(errors, model + " features." + key,
                        ModelFixtures.relativeError(f, ModelFixtures.floats(out.get("features." + key))));
            }
            for (JsonNode c : cases.get("cases")) {
                String name = c.get("name").asText();
                float[] f = new float[0];
                for (JsonNode input : c.get("inputs")) {
                    float[] part = features.get(input.asText());
                    f = Arrays.copyOf(f, f.length + part.length);
                    System.arraycopy(part, 0, f, f.length - part.length, part.length);
                }
                PreparedInput in = PreparedInput.withFeatures(ModelFixtures.ints(c.get("input_ids")), f,
                        m.imageTokenId());
                note(errors, model + " logits." + name, ModelFixtures.relativeError(m.lastLogits(in),
                        ModelFixtures.floats(out.get(c.get("last_position_logits_tensor").asText()))));
                GenerationResult r = m.generate(in, GenerationOptions.greedy(24).withStopTokenIds(Set.of()),
                        TokenListener.none(), new CancelSignal());
                assertArrayEquals(ModelFixtures.ints(c.get("greedy_ids")), r.tokenIds(), model + " " + name
                        + ": greedy ids with the OpenBLAS GEMM");
            }
        }
        assertTrue(errors.isEmpty(), String.join("\n", errors));
    }

    private static void note(List<String> errors, String what, double rel) {
        System.out.printf("%-40s rel %.3g (openblas)%n", what, rel);
        if (!(rel <= ReferenceFixtureTest.TOLERANCE)) {
            errors.add(what + ": relative error " + rel + " > " + ReferenceFixtureTest.TOLERANCE);
        }
    }
}
