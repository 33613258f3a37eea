package dev.vlmesh.engine.convert;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.checkpoint.CheckpointLayout;
import dev.vlmesh.engine.generate.EngineOptions;
import dev.vlmesh.engine.generate.InternVlModel;
import dev.vlmesh.engine.generate.PreparedInput;
import dev.vlmesh.engine.image.ImageNetNormalizer;
import dev.vlmesh.engine.image.InputFixtures;
import dev.vlmesh.engine.image.PixelValues;
import dev.vlmesh.engine.image.RgbImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's logits on a fixture prompt (one image tile + question) are the same for the HuggingFace checkpoint
 * and for every MindSpeed-MM sharding of it (see {@link #assertSameLogits} for what "the same" has to allow). Each
 * sharding is loaded by the engine directly ({@code InternVlModel.load} recognises the layout and merges every PP and
 * TP shard through {@link MindSpeedCheckpoint}), and again after {@link MmToHf} exported it back to the HuggingFace
 * layout.
 */
class EngineLogitsAcrossShardingsTest {

    @TempDir
    Path tmp;

    private record Sharding(int tp, String llm, String vit) {
    }

    @TestFactory
    Stream<DynamicTest> logitsAreEqualForEverySharding() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        add(tests, ConvertFixtures.A, List.of(new Sharding(1, "[[4]]", "[[2]]"),
                new Sharding(1, "[[1,1,1,1]]", "[[2,0,0,0]]"), new Sharding(1, "[[1,0],[1,2]]", "[[1,0],[1,0]]")));
        add(tests, ConvertFixtures.B, List.of(new Sharding(2, "[[1,1,1,1]]", "[[3,0,0,0]]"),
                new Sharding(2, "[[0,2,2]]", "[[0,3,0]]")));
        add(tests, ConvertFixtures.C, List.of(new Sharding(2, "[[2,2]]", "[[2,0]]"),
                new Sharding(1, "[[1,0],[1,2]]", "[[1,0],[1,0]]")));
        return tests.stream();
    }

    private void add(List<DynamicTest> tests, String model, List<Sharding> shardings) {
        tests.add(DynamicTest.dynamicTest(model + " " + shardings, () -> {
            Path hf = ConvertFixtures.model(model, "hf");
            EngineOptions options = EngineOptions.defaults().withThreads(1);
            float[] reference;
            PreparedInput input;
            try (InternVlModel m = InternVlModel.load(hf, options)) {
                input = singleTile(model, m.imageTokenId());
                reference = m.lastLogits(input);
            }
            assertTrue(Arrays.stream(toDoubles(reference)).anyMatch(x -> x != 0));
            int i = 0;
            for (Sharding s : shardings) {
                Path mm = tmp.resolve(model + "-mm-" + i);
                Path back = tmp.resolve(model + "-back-" + i++);
                HfToMm.convert(hf, mm, HfToMm.Options.of(new ParallelSpec(s.tp(), ParallelSpec.parseLayers(s.llm()),
                        ParallelSpec.parseLayers(s.vit()))));
                try (InternVlModel m = InternVlModel.load(mm, options)) {
                    assertSameLogits(reference, m.lastLogits(input), model + " " + s + " (MindSpeed-MM shards)");
                }
                MmToHf.export(mm, back, CheckpointLayout.HF);
                try (InternVlModel m = InternVlModel.load(back, options)) {
                    assertSameLogits(reference, m.lastLogits(input), model + " " + s + " (exported back)");
                }
            }
        }));
    }

    /** The fixture's single_tile case: its token ids and its one 448/224-px tile, normalised. */
    private static PreparedInput singleTile(String model, int imageTokenId) throws Exception {
        JsonNode cases = InputFixtures.json("outputs/" + model + "/cases.json");
        JsonNode c = null;
        for (JsonNode x : cases.get("cases")) {
            if (x.get("name").asText().equals("single_tile")) {
                c = x;
            }
        }
        int size = cases.get("inputs_file").asText().contains("224") ? 224 : 448;
        JsonNode in = InputFixtures.json("outputs/inputs_" + size + ".json").get("single");
        InputFixtures.Tensor tiles = InputFixtures.safetensors(in.get("tiles").get("file").asText())
                .get(in.get("tiles").get("tensor").asText());
        int n = (int) tiles.shape()[0];
        int plane = size * size * 3;
        float[] data = new float[n * plane];
        for (int t = 0; t < n; t++) {
            ImageNetNormalizer.normalizeInto(new RgbImage(size, size,
                    Arrays.copyOfRange(tiles.data(), t * plane, (t + 1) * plane)), data, t * plane);
        }
        return PreparedInput.of(InputFixtures.ints(c.get("input_ids")), new PixelValues(n, size, data), imageTokenId);
    }

    /**
     * Bit-identical, or — because the engine itself is not bit-reproducible between a cold and a JIT-compiled run in
     * one JVM (seen: 1 ulp) — within 1e-6 of the largest logit, with the same arg-max. The weights themselves are
     * checked bit for bit in {@link FixtureConversionTest}.
     */
    private static void assertSameLogits(float[] expected, float[] actual, String what) {
        if (Arrays.equals(expected, actual)) {
            return;
        }
        assertTrue(expected.length == actual.length, what);
        double diff = 0;
        double max = 0;
        int argE = 0;
        int argA = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs((double) expected[i] - actual[i]));
            max = Math.max(max, Math.abs(expected[i]));
            argE = expected[i] > expected[argE] ? i : argE;
            argA = actual[i] > actual[argA] ? i : argA;
        }
        double rel = diff / max;
        assertTrue(rel <= 1e-6, what + ": logits differ by " + rel + " of the largest");
        assertTrue(argE == argA, what + ": arg-max " + argA + " instead of " + argE);
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
