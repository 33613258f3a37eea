package dev.vlmesh.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vlmesh.engine.generate.EngineOptions;
import dev.vlmesh.engine.generate.InternVlModel;
import dev.vlmesh.engine.image.InputFixtures;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of damaged checkpoint fails at load with an {@link IOException} whose message names the file and,
 * where there is one, the tensor — never a model that answers wrongly. Each case copies a fixture checkpoint to a
 * temporary directory and damages the copy.
 */
class MalformedCheckpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String A = "a-vit300m-qwen25";
    private static final String B = "b-vit6b-qwen25";
    private static final String C = "c-vit300m-qwen25-224-sharded";
    private static final String Q_PROJ = "language_model.model.layers.1.self_attn.q_proj.weight";

    @TempDir
    Path tmp;

    @Test
    void intactCopyLoads() throws IOException {
        Path dir = copy(A, "hf");
        try (InternVlModel m = InternVlModel.load(dir, EngineOptions.defaults().withThreads(1))) {
            assertTrue(m.config().text().layers() > 0);
        }
    }

    @Test
    void truncatedFile() throws IOException {
        Path dir = copy(A, "hf");
        Path file = dir.resolve("model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() - 1000);
        }
        String last = lastTensor(file);
        failsWith(dir, "model.safetensors", last, "past the end");
    }

    @Test
    void fileShorterThanItsHeader() throws IOException {
        Path dir = copy(A, "original");
        Path file = dir.resolve("model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(100);
        }
        failsWith(dir, "model.safetensors", "exceeds the file size");
    }

    @Test
    void oversizedHeaderLength() throws IOException {
        Path dir = copy(A, "hf");
        Path file = dir.resolve("model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        }
        failsWith(dir, "model.safetensors", "header length");
    }

    @Test
    void headerIsNotJson() throws IOException {
        Path dir = copy(B, "hf");
        Path file = dir.resolve("model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(8 + 1); // the quote that opens the first key
            f.write('#');
        }
        failsWith(dir, "model.safetensors", "not valid JSON");
    }

    @Test
    void overlappingOffsets() throws IOException {
        Path dir = copy(A, "hf");
        Path file = dir.resolve("model.safetensors");
        String other = "language_model.model.layers.2.self_attn.q_proj.weight";
        editHeader(file, h -> {
            JsonNode offsets = h.get(Q_PROJ).get("data_offsets");
            ((ObjectNode) h.get(other)).set("data_offsets", offsets.deepCopy());
        });
        failsWith(dir, "model.safetensors", Q_PROJ, other, "overlap");
    }

    @Test
    void offsetsOutsideTheData() throws IOException {
        Path dir = copy(C, "hf");
        Path file = dir.resolve("model-00003-of-00006.safetensors");
        String name = firstTensor(file);
        editHeader(file, h -> {
            ArrayNode o = (ArrayNode) h.get(name).get("data_offsets");
            long len = o.get(1).asLong() - o.get(0).asLong();
            o.removeAll().add(10_000_000L).add(10_000_000L + len);
        });
        failsWith(dir, "model-00003-of-00006.safetensors", name, "past the end");
    }

    @Test
    void byteLengthDisagreesWithDtypeAndShape() throws IOException {
        Path dir = copy(A, "hf");
        Path file = dir.resolve("model.safetensors");
        editHeader(file, h -> ((ObjectNode) h.get(Q_PROJ)).put("dtype", "F32"));
        failsWith(dir, "model.safetensors", Q_PROJ, "needs");
    }

    @Test
    void dtypeTheEngineCannotUse() throws IOException {
        Path dir = copy(A, "hf");
        Path file = dir.resolve("model.safetensors");
        editHeader(file, h -> ((ObjectNode) h.get(Q_PROJ)).put("dtype", "I16"));
        failsWith(dir, "model.safetensors", Q_PROJ, "dtype I16");
    }

    @Test
    void unknownDtype() throws IOException {
        Path dir = copy(A, "hf");
        Path file = dir.resolve("model.safetensors");
        editHeader(file, h -> ((ObjectNode) h.get(Q_PROJ)).put("dtype", "Q4_K"));
        failsWith(dir, "model.safetensors", Q_PROJ, "unknown dtype");
    }

    @Test
    void shapeDisagreesWithConfig() throws IOException {
        Path dir = copy(A, "hf");
        Path file = dir.resolve("model.safetensors");
        editHeader(file, h -> {
            ArrayNode shape = (ArrayNode) h.get(Q_PROJ).get("shape");
            long rows = shape.get(0).asLong();
            long cols = shape.get(1).asLong();
            shape.removeAll().add(rows / 7).add(cols * 7);
        });
        failsWith(dir, "model.safetensors", Q_PROJ, "config requires");
    }

    @Test
    void fusedQkvThatDoesNotSplitInThree() throws IOException {
        Path dir = copy(A, "original");
        Path file = dir.resolve("model.safetensors");
        String qkv = "vision_model.encoder.layers.1.attn.qkv.weight";
        editHeader(file, h -> {
            ArrayNode shape = (ArrayNode) h.get(qkv).get("shape");
            long rows = shape.get(0).asLong();
            long cols = shape.get(1).asLong();
            shape.removeAll().add(rows / 3 * 2).add(cols * 3 / 2);
        });
        failsWith(dir, "model.safetensors", qkv);
    }

    @Test
    void missingTensor() throws IOException {
        Path dir = copy(B, "hf");
        Path file = dir.resolve("model.safetensors");
        editHeader(file, h -> h.remove("language_model.model.layers.3.mlp.down_proj.weight"));
        failsWith(dir, "missing tensor", "model.language_model.layers.3.mlp.down_proj.weight");
    }

    @Test
    void missingTensorInOriginalLayoutNamesItsStoredName() throws IOException {
        Path dir = copy(B, "original");
        Path file = dir.resolve("model.safetensors");
        editHeader(file, h -> h.remove("vision_model.encoder.layers.2.attn.k_norm.weight"));
        failsWith(dir, "missing tensor", "vision_model.encoder.layers.2.attn.k_norm.weight");
    }

    @Test
    void missingTensorOfASharded() throws IOException {
        Path dir = copy(C, "original");
        Path index = dir.resolve("model.safetensors.index.json");
        ObjectNode root = (ObjectNode) JSON.readTree(index.toFile());
        ObjectNode map = (ObjectNode) root.get("weight_map");
        String lmHead = "language_model.lm_head.weight";
        String shard = map.get(lmHead).asText();
        map.remove(lmHead);
        Files.writeString(index, JSON.writeValueAsString(root));
        editHeader(dir.resolve(shard), h -> h.remove(lmHead));
        failsWith(dir, "missing tensor", lmHead);
    }

    @Test
    void indexNamesAMissingShard() throws IOException {
        Path dir = copy(C, "hf");
        Files.delete(dir.resolve("model-00004-of-00006.safetensors"));
        failsWith(dir, "model-00004-of-00006.safetensors", "does not exist");
    }

    @Test
    void indexPlacesATensorInTheWrongShard() throws IOException {
        Path dir = copy(C, "hf");
        Path index = dir.resolve("model.safetensors.index.json");
        ObjectNode root = (ObjectNode) JSON.readTree(index.toFile());
        ObjectNode map = (ObjectNode) root.get("weight_map");
        String name = map.fieldNames().next();
        String wrong = map.get(name).asText().equals("model-00001-of-00006.safetensors")
                ? "model-00002-of-00006.safetensors" : "model-00001-of-00006.safetensors";
        map.put(name, wrong);
        Files.writeString(index, JSON.writeValueAsString(root));
        failsWith(dir, name, wrong, "does not contain");
    }

    @Test
    void tensorStoredTwice() throws IOException {
        Path dir = copy(A, "hf");
        Path file = dir.resolve("model.safetensors");
        // layer 0's norm renamed to layer 1's under the current prefixed name; layer 1's old unprefixed entry stays
        String layer0 = "language_model.model.layers.0.input_layernorm.weight";
        editHeader(file, h -> h.set("model.language_model.layers.1.input_layernorm.weight", h.remove(layer0)));
        failsWith(dir, "model.language_model.layers.1.input_layernorm.weight", "stored twice", "model.safetensors");
    }

    @Test
    void internLm2LanguageModel() throws IOException {
        Path dir = copy(A, "original");
        editConfig(dir, c -> {
            ObjectNode llm = (ObjectNode) c.get("llm_config");
            llm.putArray("architectures").add("InternLM2ForCausalLM");
            llm.put("model_type", "internlm2");
        });
        failsWith(dir, "config.json", "InternLM2ForCausalLM", "unsupported LLM architecture");
    }

    @Test
    void qwen3LanguageModelInHfLayout() throws IOException {
        Path dir = copy(A, "hf");
        editConfig(dir, c -> ((ObjectNode) c.get("text_config")).put("model_type", "qwen3"));
        failsWith(dir, "config.json", "qwen3", "unsupported LLM architecture");
    }

    @Test
    void unknownModelType() throws IOException {
        Path dir = copy(A, "hf");
        editConfig(dir, c -> c.put("model_type", "llava"));
        failsWith(dir, "config.json", "llava");
    }

    @Test
    void configWithMoreLayersThanTheWeights() throws IOException {
        Path dir = copy(C, "hf");
        editConfig(dir, c -> ((ObjectNode) c.get("text_config")).put("num_hidden_layers", 5));
        failsWith(dir, "missing tensor", "model.language_model.layers.4.");
    }

    @Test
    void vocabularySmallerThanTheTokenizer() throws IOException {
        Path dir = copy(A, "hf");
        editConfig(dir, c -> ((ObjectNode) c.get("text_config")).put("vocab_size", 2000));
        failsWith(dir, "vocabulary");
    }

    @Test
    void noWeightsAtAll() throws IOException {
        Path dir = copy(A, "hf");
        Files.delete(dir.resolve("model.safetensors"));
        failsWith(dir, "no model.safetensors");
    }

    // ------------------------------------------------------------------ helpers

    private void failsWith(Path dir, String... fragments) {
        IOException e = assertThrows(IOException.class,
                () -> InternVlModel.load(dir, EngineOptions.defaults().withThreads(1)).close());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
        }
    }

    private Path copy(String model, String layout) throws IOException {
        Path src = InputFixtures.root().resolve("models").resolve(model).resolve(layout);
        Path dst = tmp.resolve(model + "-" + layout);
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.copy(p, dst.resolve(p.getFileName()));
            }
        }
        return dst;
    }

    private static void editConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Path file = dir.resolve("config.json");
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(root);
        Files.writeString(file, JSON.writeValueAsString(root));
    }

    /** Rewrites a safetensors header in place of the old one; the data section is kept byte for byte. */
    private static void editHeader(Path file, Consumer<ObjectNode> edit) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectNode header = (ObjectNode) JSON.readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
        edit.accept(header);
        byte[] json = JSON.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + all.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(all, 8 + (int) n, all.length - 8 - (int) n);
        Files.write(file, out.array());
    }

    private static ObjectNode header(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return (ObjectNode) JSON.readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
    }

    private static String firstTensor(Path file) throws IOException {
        for (Iterator<String> it = header(file).fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!name.equals("__metadata__")) {
                return name;
            }
        }
        throw new IllegalStateException("no tensors in " + file);
    }

    /** The tensor whose bytes end last in the file. */
    private static String lastTensor(Path file) throws IOException {
        String best = null;
        long end = -1;
        for (Map.Entry<String, JsonNode> e : header(file).properties()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            long stop = e.getValue().get("data_offsets").get(1).asLong();
            if (stop > end) {
                end = stop;
                best = e.getKey();
            }
        }
        return best;
    }
}
