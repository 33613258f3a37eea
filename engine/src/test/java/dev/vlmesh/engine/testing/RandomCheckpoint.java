package dev.vlmesh.engine.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vlmesh.engine.checkpoint.CheckpointLayout;
import dev.vlmesh.engine.safetensors.SafetensorsWriter;
import dev.vlmesh.engine.safetensors.SafetensorsWriter.TensorSpec;
import dev.vlmesh.engine.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes an InternVL3-architecture checkpoint with random weights of any shape (1B/2B-sized for speed runs, tiny
 * for tests), in either layout, with a byte-level tokenizer that knows only single bytes and the chat/vision special
 * tokens. Weights are generated and streamed tensor by tensor, so large shapes need little heap. The numbers are
 * meaningless; only shapes, dtypes and finite activations matter.
 */
public final class RandomCheckpoint {

    /** Model shape. */
    public record Shape(int visionHidden, int visionLayers, int visionHeads, int visionIntermediate, boolean vit6b,
                        int imageSize, int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab) {
    }

    /** InternVL3-1B: InternViT-300M + Qwen2.5-0.5B. */
    public static final Shape INTERNVL3_1B = new Shape(1024, 24, 16, 4096, false, 448, 896, 24, 14, 2, 4864, 151674);
    /** InternVL3-2B: InternViT-300M + Qwen2.5-1.5B. */
    public static final Shape INTERNVL3_2B = new Shape(1024, 24, 16, 4096, false, 448, 1536, 28, 12, 2, 8960, 151674);
    /** A few-megabyte model for tests (56-pixel tiles → 4 tokens each). */
    public static final Shape TINY = new Shape(64, 2, 4, 128, false, 56, 64, 2, 4, 2, 96, 512);

    /**
     * Special token ids sit where InternVL3 has them relative to the end of its 151674-token vocabulary, so a
     * 151674 vocabulary gets exactly the real ids (151643 {@code <|endoftext|>} … 151667 {@code <IMG_CONTEXT>}).
     */
    public static int endOfText(Shape s) {
        return s.vocab() - 31;
    }

    public static int imStart(Shape s) {
        return s.vocab() - 30;
    }

    public static int imEnd(Shape s) {
        return s.vocab() - 29;
    }

    public static int imgContext(Shape s) {
        return s.vocab() - 7;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private RandomCheckpoint() {
    }

    public static void write(Path dir, Shape s, DType dtype, CheckpointLayout layout, long seed) throws IOException {
        Files.createDirectories(dir);
        writeConfig(dir, s, layout);
        writeTokenizer(dir, s);
        List<TensorSpec> specs = new ArrayList<>();
        Map<String, Float> scale = new LinkedHashMap<>();
        tensors(s, layout, dtype, specs, scale);
        SplittableRandom rnd = new SplittableRandom(seed);
        Path file = dir.resolve("model.safetensors");
        try (SafetensorsWriter w = SafetensorsWriter.create(file, specs, Map.of("format", "pt"))) {
            float[] buf = new float[1 << 16];
            for (TensorSpec t : specs) {
                long n = t.byteLength() / t.dtype().byteSize();
                float sc = scale.get(t.name());
                boolean ones = isNormWeight(t.name());
                for (long i = 0; i < n; i += buf.length) {
                    int m = (int) Math.min(buf.length, n - i);
                    for (int j = 0; j < m; j++) {
                        float g = (float) gaussian(rnd);
                        buf[j] = ones ? 1f + 0.1f * g : sc * g;
                    }
                    w.writeFloats(buf, 0, m);
                }
            }
        }
    }

    private static boolean isNormWeight(String name) {
        return (name.contains("norm") || name.contains("lambda") || name.endsWith("ls1") || name.endsWith("ls2")
                || name.contains("mlp1.0")) && !name.endsWith("bias");
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller; values only need to be plausible
        double u = 1.0 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    private static void tensors(Shape s, CheckpointLayout layout, DType dt, List<TensorSpec> specs,
                                Map<String, Float> scale) {
        boolean orig = layout == CheckpointLayout.ORIGINAL;
        long c = s.visionHidden();
        long p = 14;
        long positions = (long) (s.imageSize() / 14) * (s.imageSize() / 14) + 1;
        String vt = orig ? "vision_model." : "model.vision_tower.";
        add(specs, scale, vt + (orig ? "embeddings.class_embedding" : "embeddings.cls_token"), dt, 0.5f, 1, 1, c);
        add(specs, scale, vt + (orig ? "embeddings.position_embedding" : "embeddings.position_embeddings"), dt, 0.5f,
                1, positions, c);
        String pe = vt + (orig ? "embeddings.patch_embedding." : "embeddings.patch_embeddings.projection.");
        add(specs, scale, pe + "weight", dt, inv(3 * p * p), c, 3, p, p);
        add(specs, scale, pe + "bias", dt, 0.1f, c);
        for (int i = 0; i < s.visionLayers(); i++) {
            String l = vt + (orig ? "encoder.layers." : "encoder.layer.") + i + ".";
            String a = l + (orig ? "attn." : "attention.");
            if (orig) {
                add(specs, scale, a + "qkv.weight", dt, inv(c), 3 * c, c);
                if (!s.vit6b()) {
                    add(specs, scale, a + "qkv.bias", dt, 0.1f, 3 * c);
                }
            } else {
                for (String x : new String[] {"q", "k", "v"}) {
                    add(specs, scale, a + x + "_proj.weight", dt, inv(c), c, c);
                    if (!s.vit6b()) {
                        add(specs, scale, a + x + "_proj.bias", dt, 0.1f, c);
                    }
                }
            }
            if (s.vit6b()) {
                add(specs, scale, a + "q_norm.weight", dt, 1f, c);
                add(specs, scale, a + "k_norm.weight", dt, 1f, c);
            }
            String proj = orig ? a + "proj." : a + "projection_layer.";
            add(specs, scale, proj + "weight", dt, inv(c), c, c);
            add(specs, scale, proj + "bias", dt, 0.1f, c);
            add(specs, scale, l + (orig ? "ls1" : "lambda_1"), dt, 1f, c);
            add(specs, scale, l + (orig ? "ls2" : "lambda_2"), dt, 1f, c);
            for (String n : orig ? new String[] {"norm1", "norm2"} : new String[] {"layernorm_before", "layernorm_after"}) {
                add(specs, scale, l + n + ".weight", dt, 1f, c);
                if (!s.vit6b()) {
                    add(specs, scale, l + n + ".bias", dt, 0.1f, c);
                }
            }
            add(specs, scale, l + "mlp.fc1.weight", dt, inv(c), s.visionIntermediate(), c);
            add(specs, scale, l + "mlp.fc1.bias", dt, 0.1f, s.visionIntermediate());
            add(specs, scale, l + "mlp.fc2.weight", dt, inv(s.visionIntermediate()), c, s.visionIntermediate());
            add(specs, scale, l + "mlp.fc2.bias", dt, 0.1f, c);
        }
        long c4 = 4 * c;
        long d = s.hidden();
        String mp = orig ? "mlp1." : "model.multi_modal_projector.";
        add(specs, scale, mp + (orig ? "0" : "layer_norm") + ".weight", dt, 1f, c4);
        add(specs, scale, mp + (orig ? "0" : "layer_norm") + ".bias", dt, 0.1f, c4);
        add(specs, scale, mp + (orig ? "1" : "linear_1") + ".weight", dt, inv(c4), d, c4);
        add(specs, scale, mp + (orig ? "1" : "linear_1") + ".bias", dt, 0.1f, d);
        add(specs, scale, mp + (orig ? "3" : "linear_2") + ".weight", dt, inv(d), d, d);
        add(specs, scale, mp + (orig ? "3" : "linear_2") + ".bias", dt, 0.1f, d);
        String lm = orig ? "language_model.model." : "model.language_model.";
        long hd = d / s.heads();
        long q = hd * s.heads();
        long kv = hd * s.kvHeads();
        add(specs, scale, lm + "embed_tokens.weight", dt, 1f, s.vocab(), d);
        for (int i = 0; i < s.layers(); i++) {
            String l = lm + "layers." + i + ".";
            add(specs, scale, l + "input_layernorm.weight", dt, 1f, d);
            add(specs, scale, l + "self_attn.q_proj.weight", dt, inv(d), q, d);
            add(specs, scale, l + "self_attn.q_proj.bias", dt, 0.1f, q);
            add(specs, scale, l + "self_attn.k_proj.weight", dt, inv(d), kv, d);
            add(specs, scale, l + "self_attn.k_proj.bias", dt, 0.1f, kv);
            add(specs, scale, l + "self_attn.v_proj.weight", dt, inv(d), kv, d);
            add(specs, scale, l + "self_attn.v_proj.bias", dt, 0.1f, kv);
            add(specs, scale, l + "self_attn.o_proj.weight", dt, inv(q), d, q);
            add(specs, scale, l + "post_attention_layernorm.weight", dt, 1f, d);
            add(specs, scale, l + "mlp.gate_proj.weight", dt, inv(d), s.intermediate(), d);
            add(specs, scale, l + "mlp.up_proj.weight", dt, inv(d), s.intermediate(), d);
            add(specs, scale, l + "mlp.down_proj.weight", dt, inv(s.intermediate()), d, s.intermediate());
        }
        add(specs, scale, lm + "norm.weight", dt, 1f, d);
        add(specs, scale, orig ? "language_model.lm_head.weight" : "lm_head.weight", dt, 4 * inv(d), s.vocab(), d);
    }

    private static float inv(long fanIn) {
        return (float) (1.0 / Math.sqrt(fanIn));
    }

    private static void add(List<TensorSpec> specs, Map<String, Float> scale, String name, DType dt, float sc,
                            long... shape) {
        specs.add(new TensorSpec(name, dt, shape));
        scale.put(name, sc);
    }

    private static void writeConfig(Path dir, Shape s, CheckpointLayout layout) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode text = JSON.createObjectNode();
        text.put("model_type", "qwen2").put("hidden_size", s.hidden()).put("num_hidden_layers", s.layers())
                .put("num_attention_heads", s.heads()).put("num_key_value_heads", s.kvHeads())
                .put("intermediate_size", s.intermediate()).put("vocab_size", s.vocab()).put("rope_theta", 1e6)
                .put("rms_norm_eps", 1e-6).put("max_position_embeddings", 32768).put("hidden_act", "silu")
                .put("tie_word_embeddings", false).put("use_sliding_window", false);
        text.putObject("rope_scaling").put("factor", 2.0).put("rope_type", "dynamic");
        ObjectNode vision = JSON.createObjectNode();
        vision.put("hidden_size", s.visionHidden()).put("num_hidden_layers", s.visionLayers())
                .put("num_attention_heads", s.visionHeads()).put("intermediate_size", s.visionIntermediate())
                .put("norm_type", s.vit6b() ? "rms_norm" : "layer_norm").put("layer_norm_eps", 1e-6)
                .put("hidden_act", "gelu");
        if (layout == CheckpointLayout.ORIGINAL) {
            root.put("model_type", "internvl_chat");
            ArrayNode arch = text.putArray("architectures");
            arch.add("Qwen2ForCausalLM");
            vision.put("qkv_bias", !s.vit6b()).put("qk_normalization", s.vit6b()).put("image_size", s.imageSize())
                    .put("patch_size", 14);
            root.set("vision_config", vision);
            root.set("llm_config", text);
            root.put("downsample_ratio", 0.5).put("ps_version", "v2").put("select_layer", -1)
                    .put("template", "internvl2_5").put("force_image_size", s.imageSize())
                    .put("dynamic_image_size", true).put("use_thumbnail", true).put("min_dynamic_patch", 1)
                    .put("max_dynamic_patch", 12);
        } else {
            root.put("model_type", "internvl");
            vision.put("model_type", "internvl_vision").put("attention_bias", !s.vit6b())
                    .put("use_qk_norm", s.vit6b()).put("layer_scale_init_value", 0.1).put("use_mean_pooling", true);
            vision.putArray("image_size").add(s.imageSize()).add(s.imageSize());
            vision.putArray("patch_size").add(14).add(14);
            root.set("vision_config", vision);
            root.set("text_config", text);
            root.put("image_token_id", imgContext(s)).put("downsample_ratio", 0.5).put("projector_hidden_act", "gelu")
                    .put("vision_feature_layer", -1).put("vision_feature_select_strategy", "default")
                    .put("tie_word_embeddings", false);
        }
        Files.writeString(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }

    /** vocab.json (the 256 byte-level tokens), empty merges.txt, added tokens with the InternVL3 ids. */
    private static void writeTokenizer(Path dir, Shape s) throws IOException {
        ObjectNode vocab = JSON.createObjectNode();
        char[] chars = byteLevelChars();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(chars[b]), b);
        }
        Files.writeString(dir.resolve("vocab.json"), JSON.writeValueAsString(vocab));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
        Map<Integer, String> added = new LinkedHashMap<>();
        added.put(endOfText(s), "<|endoftext|>");
        added.put(imStart(s), "<|im_start|>");
        added.put(imEnd(s), "<|im_end|>");
        added.put(s.vocab() - 9, "<img>");
        added.put(s.vocab() - 8, "</img>");
        added.put(imgContext(s), "<IMG_CONTEXT>");
        ObjectNode addedJson = JSON.createObjectNode();
        ObjectNode cfg = JSON.createObjectNode();
        ObjectNode decoder = cfg.putObject("added_tokens_decoder");
        for (Map.Entry<Integer, String> e : added.entrySet()) {
            addedJson.put(e.getValue(), e.getKey());
            decoder.putObject(String.valueOf(e.getKey())).put("content", e.getValue()).put("special", true)
                    .put("normalized", false).put("lstrip", false).put("rstrip", false).put("single_word", false);
        }
        cfg.put("eos_token", "<|im_end|>").put("pad_token", "<|endoftext|>");
        Files.writeString(dir.resolve("added_tokens.json"), JSON.writeValueAsString(addedJson));
        Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writeValueAsString(cfg));
    }

    /** GPT-2's bytes → printable characters table. */
    static char[] byteLevelChars() {
        char[] out = new char[256];
        boolean[] direct = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            direct[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            direct[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            direct[b] = true;
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            out[b] = direct[b] ? (char) b : (char) next++;
        }
        return out;
    }
}
