package dev.vlmesh.engine.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.image.ImageNetNormalizer;
import dev.vlmesh.engine.image.InputFixtures;
import dev.vlmesh.engine.image.PixelValues;
import dev.vlmesh.engine.image.RgbImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The reference model fixtures ({@code fixtures/models}, {@code fixtures/outputs}): checkpoints in both layouts,
 * their inputs, and transformers' float32 outputs.
 */
final class ModelFixtures {
    static final List<String> MODELS = List.of("a-vit300m-qwen25", "b-vit6b-qwen25", "c-vit300m-qwen25-224-sharded");
    static final List<String> LAYOUTS = List.of("hf", "original");

    private ModelFixtures() {
    }

    static Path checkpoint(String model, String layout) {
        return InputFixtures.root().resolve("models").resolve(model).resolve(layout);
    }

    static JsonNode cases(String model) throws IOException {
        return InputFixtures.json("outputs/" + model + "/cases.json");
    }

    static Map<String, InputFixtures.Tensor> outputs(String model) throws IOException {
        return InputFixtures.safetensors("outputs/" + model + "/tensors.safetensors");
    }

    static float[] floats(InputFixtures.Tensor t) {
        if (!t.dtype().equals("F32")) {
            throw new IllegalArgumentException("not F32: " + t.dtype());
        }
        float[] out = new float[t.data().length / 4];
        ByteBuffer.wrap(t.data()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    /** The model input named {@code key} ("single", "multi", "video") at tile size {@code size}, normalised. */
    static PixelValues pixels(String key, int size) throws IOException {
        JsonNode input = InputFixtures.json("outputs/inputs_" + size + ".json").get(key);
        InputFixtures.Tensor tiles = InputFixtures.safetensors(input.get("tiles").get("file").asText())
                .get(input.get("tiles").get("tensor").asText());
        int n = (int) tiles.shape()[0];
        int plane = size * size * 3;
        float[] data = new float[n * plane];
        for (int t = 0; t < n; t++) {
            byte[] hwc = Arrays.copyOfRange(tiles.data(), t * plane, (t + 1) * plane);
            ImageNetNormalizer.normalizeInto(new RgbImage(size, size, hwc), data, t * plane);
        }
        PixelValues pv = new PixelValues(n, size, data);
        String sha = input.get("pixel_values_f32le_sha256").asText();
        if (!InputFixtures.sha256F32(data).equals(sha)) {
            throw new IllegalStateException("pixel values of input " + key + " do not match the fixture hash");
        }
        return pv;
    }

    static int imageSize(JsonNode cases) {
        return cases.get("inputs_file").asText().contains("224") ? 224 : 448;
    }

    /** Max |a − e| / max |e|, the fixtures' relative error. */
    static double relativeError(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " != " + expected.length);
        }
        double diff = 0;
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            diff = Math.max(diff, Math.abs((double) actual[i] - expected[i]));
            max = Math.max(max, Math.abs(expected[i]));
            if (!Float.isFinite(actual[i])) {
                return Double.POSITIVE_INFINITY;
            }
        }
        return diff / max;
    }

    static int[] ints(JsonNode array) {
        return InputFixtures.ints(array);
    }
}
