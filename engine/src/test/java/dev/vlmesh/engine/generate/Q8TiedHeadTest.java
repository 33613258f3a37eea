package dev.vlmesh.engine.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vlmesh.engine.checkpoint.QuantizationSummary;
import dev.vlmesh.engine.tensor.WeightFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A head tied to the token embedding (no {@code lm_head}, {@code tie_word_embeddings}) under Q8_0: the head becomes
 * a Q8_0 copy of the embedding while the embedding itself stays as stored, and the logits stay within Q8_0's error
 * of the as-stored model's. Fixture c with its lm_head shard removed and the config set to tie (measured: 1.2e-2
 * relative on a text prompt, bound 3e-2 as in {@link Q8AccuracyCostTest}).
 */
class Q8TiedHeadTest {
    private static final String MODEL = "c-vit300m-qwen25-224-sharded";

    @Test
    void aTiedHeadIsQuantizedIntoACopyOfTheEmbedding(@TempDir Path dir) throws IOException {
        Path src = ModelFixtures.checkpoint(MODEL, "hf");
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode index = (ObjectNode) json.readTree(dir.resolve("model.safetensors.index.json").toFile());
        String headFile = index.get("weight_map").get("language_model.lm_head.weight").asText();
        ((ObjectNode) index.get("weight_map")).remove("language_model.lm_head.weight");
        json.writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        Files.delete(dir.resolve(headFile));
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        config.put("tie_word_embeddings", true);
        ((ObjectNode) config.get("text_config")).put("tie_word_embeddings", true);
        json.writeValue(dir.resolve("config.json").toFile(), config);

        EngineOptions options = EngineOptions.defaults().withThreads(2);
        try (InternVlModel stored = InternVlModel.load(dir, options);
             InternVlModel q8 = InternVlModel.load(dir, options.withWeights(WeightFormat.Q8_0))) {
            QuantizationSummary s = q8.quantization();
            // as untied (43 with lm_head): the head is converted although its tensor is the embedding
            assertEquals(43, s.quantized(), s.describe());
            assertEquals(1, s.keptAsStored().size(), s.describe());
            assertEquals(WeightFormat.AS_STORED, stored.quantization().format());
            assertEquals(0, stored.quantization().quantized());

            int[] ids = stored.tokenizer().encode("Describe a red square on a blue background, then count to ten.");
            float[] expected = stored.lastLogits(PreparedInput.withFeatures(ids, new float[0], stored.imageTokenId()));
            float[] actual = q8.lastLogits(PreparedInput.withFeatures(ids, new float[0], q8.imageTokenId()));
            double rel = ModelFixtures.relativeError(actual, expected);
            System.out.printf("tied head, Q8_0 vs as stored: logits rel %.3g%n", rel);
            assertTrue(rel > 0 && rel <= 3e-2, "relative logit error " + rel);
        }
    }
}
