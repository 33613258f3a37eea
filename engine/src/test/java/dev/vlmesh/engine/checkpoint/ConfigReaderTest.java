package dev.vlmesh.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vlmesh.engine.image.InputFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void bothLayoutsOfAFixtureGiveTheSameModel() throws IOException {
        for (String model : new String[] {"a-vit300m-qwen25", "b-vit6b-qwen25", "c-vit300m-qwen25-224-sharded"}) {
            Path base = InputFixtures.root().resolve("models").resolve(model);
            ModelConfig hf = ConfigReader.read(base.resolve("hf"));
            ModelConfig orig = ConfigReader.read(base.resolve("original"));
            assertEquals(CheckpointLayout.HF, hf.layout());
            assertEquals(CheckpointLayout.ORIGINAL, orig.layout());
            assertEquals(hf.vision(), orig.vision(), model);
            assertEquals(hf.text(), orig.text(), model);
            assertEquals(hf.imageSize(), orig.imageSize());
            assertEquals(hf.tokensPerTile(), orig.tokensPerTile());
            assertEquals("dynamic", hf.text().ropeScalingType());
            assertEquals(2.0, hf.text().ropeScalingFactor());
            assertEquals(1e6, hf.text().ropeTheta());
            assertFalse(hf.text().tieWordEmbeddings());
        }
    }

    @Test
    void sixBVisionDefaultsToRmsNormWhenTheKeyIsMissing() throws IOException {
        ModelConfig b = ConfigReader.read(InputFixtures.root().resolve("models/b-vit6b-qwen25/original"));
        assertEquals(VisionConfig.NormType.RMS_NORM, b.vision().normType());
        assertTrue(b.vision().qkNorm());
        assertFalse(b.vision().qkvBias());
    }

    @Test
    void legacyRopeKeysAndOtherScalings() throws IOException {
        Path dir = copyConfig("a-vit300m-qwen25", "hf");
        edit(dir, c -> {
            ObjectNode t = (ObjectNode) c.get("text_config");
            t.remove("rope_parameters");
            t.put("rope_theta", 5e5);
            t.putObject("rope_scaling").put("type", "dynamic").put("factor", 4.0);
        });
        TextConfig t = ConfigReader.read(dir).text();
        assertEquals(5e5, t.ropeTheta());
        assertEquals(4.0, t.ropeScalingFactor());
        edit(dir, c -> ((ObjectNode) c.get("text_config")).putObject("rope_scaling").put("rope_type", "yarn"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> ConfigReader.read(dir));
        assertTrue(e.getMessage().contains("yarn"), e.getMessage());
        edit(dir, c -> ((ObjectNode) c.get("text_config")).remove("rope_scaling"));
        assertEquals("default", ConfigReader.read(dir).text().ropeScalingType());
    }

    @Test
    void unsupportedSettingsAreNamed() throws IOException {
        Path dir = copyConfig("a-vit300m-qwen25", "original");
        edit(dir, c -> ((ObjectNode) c.get("llm_config")).put("hidden_act", "gelu"));
        assertMessage(dir, "hidden_act");
        dir = copyConfig("a-vit300m-qwen25", "original");
        edit(dir, c -> c.put("downsample_ratio", 0.25));
        assertMessage(dir, "downsample_ratio");
        dir = copyConfig("a-vit300m-qwen25", "original");
        edit(dir, c -> ((ObjectNode) c.get("llm_config")).put("use_sliding_window", true));
        assertMessage(dir, "use_sliding_window");
        dir = copyConfig("a-vit300m-qwen25", "original");
        edit(dir, c -> ((ObjectNode) c.get("llm_config")).put("num_key_value_heads", 3));
        assertMessage(dir, "num_key_value_heads");
        dir = copyConfig("a-vit300m-qwen25", "hf");
        edit(dir, c -> ((ObjectNode) c.get("vision_config")).putArray("image_size").add(448).add(224));
        assertMessage(dir, "square");
        dir = copyConfig("a-vit300m-qwen25", "hf");
        Files.writeString(dir.resolve("config.json"), "{ not json");
        assertMessage(dir, "invalid JSON");
        Files.delete(dir.resolve("config.json"));
        assertMessage(dir, "no config.json");
    }

    private void assertMessage(Path dir, String fragment) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> ConfigReader.read(dir));
        assertTrue(e.getMessage().contains(fragment) && e.getMessage().contains(dir.toString()), e.getMessage());
    }

    private Path copyConfig(String model, String layout) throws IOException {
        Path dir = Files.createTempDirectory(tmp, model);
        Files.copy(InputFixtures.root().resolve("models").resolve(model).resolve(layout).resolve("config.json"),
                dir.resolve("config.json"));
        return dir;
    }

    private static void edit(Path dir, java.util.function.Consumer<ObjectNode> e) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        e.accept(root);
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(root));
    }
}
