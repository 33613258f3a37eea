import dev.vlmesh.engine.safetensors.SafetensorsWriter;
import dev.vlmesh.engine.safetensors.SafetensorsWriter.TensorSpec;
import dev.vlmesh.engine.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a random-weight InternVL3 checkpoint of a real shape (original OpenGVLab layout, one model.safetensors, every
 * tensor in the chosen dtype) with a byte-level tokenizer that has the InternVL3 special-token ids. Values are
 * uniform with unit variance times 1/sqrt(fan-in), so activations stay finite; speed does not depend on them.
 *
 * usage: GenerateModel OUT_DIR 1b|2b|tiny BF16|F32|F16
 */
public final class GenerateModel {

    /** vision: hidden, layers, heads, ffn, tile; LLM: hidden, layers, heads, kv heads, ffn, vocab. */
    record Shape(String name, int vHidden, int vLayers, int vHeads, int vFfn, int tile,
                 int hidden, int layers, int heads, int kvHeads, int ffn, int vocab) {
    }

    /** InternViT-300M-448px-V2_5 + Qwen2.5-0.5B (internvl3-spec.md §1). */
    static final Shape INTERNVL3_1B = new Shape("InternVL3-1B", 1024, 24, 16, 4096, 448, 896, 24, 14, 2, 4864, 151674);
    /** InternViT-300M-448px-V2_5 + Qwen2.5-1.5B. */
    static final Shape INTERNVL3_2B = new Shape("InternVL3-2B", 1024, 24, 16, 4096, 448, 1536, 28, 12, 2, 8960, 151674);
    /** A few-megabyte model with the same structure, for smoke runs of the benchmark itself (56-pixel tiles). */
    static final Shape TINY = new Shape("tiny", 64, 2, 4, 128, 56, 64, 2, 4, 2, 96, 512);

    static Shape shape(String key) {
        return switch (key) {
            case "1b" -> INTERNVL3_1B;
            case "2b" -> INTERNVL3_2B;
            case "tiny" -> TINY;
            default -> throw new IllegalArgumentException("model must be 1b, 2b or tiny, got " + key);
        };
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: GenerateModel OUT_DIR 1b|2b|tiny BF16|F32|F16");
        }
        Path out = Path.of(args[0]);
        Shape s = shape(args[1]);
        DType dtype = DType.valueOf(args[2]);
        long t0 = System.nanoTime();
        long bytes = write(out, s, dtype);
        System.out.printf("generated %s %s: %.2f GB in %.1f s -> %s%n", s.name(), dtype, bytes / 1e9,
                (System.nanoTime() - t0) / 1e9, out);
    }

    static long write(Path dir, Shape s, DType dt) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), config(s));
        writeTokenizer(dir, s);
        List<TensorSpec> specs = new ArrayList<>();
        List<Float> scales = new ArrayList<>();
        tensors(s, dt, specs, scales);
        // One block of random numbers, reused at shifting offsets: generating billions of fresh values would cost
        // more than writing them, and the kernels' speed does not depend on the values.
        float[] noise = new float[1 << 20];
        SplittableRandom rnd = new SplittableRandom(20261128);
        float half = (float) Math.sqrt(3.0);
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) (rnd.nextDouble() * 2 - 1) * half;
        }
        float[] block = new float[1 << 16];
        long total = 0;
        int offset = 0;
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("model.safetensors"), specs,
                Map.of("format", "pt"))) {
            for (int t = 0; t < specs.size(); t++) {
                TensorSpec spec = specs.get(t);
                long n = spec.byteLength() / dt.byteSize();
                float sc = scales.get(t);
                boolean around1 = sc < 0;
                for (long i = 0; i < n; i += block.length) {
                    int m = (int) Math.min(block.length, n - i);
                    for (int j = 0; j < m; j++) {
                        float u = noise[(offset + j) & (noise.length - 1)];
                        block[j] = around1 ? 1f + 0.1f * u : sc * u;
                    }
                    offset = (offset + m * 7 + 13) & (noise.length - 1);
                    w.writeFloats(block, 0, m);
                }
                total += spec.byteLength();
            }
        }
        return total;
    }

    /** Scale -1 marks norm weights and layer scales (values around 1). */
    private static void tensors(Shape s, DType dt, List<TensorSpec> specs, List<Float> scales) {
        long c = s.vHidden();
        long grid = s.tile() / 14;
        add(specs, scales, "vision_model.embeddings.class_embedding", dt, 0.5f, 1, 1, c);
        add(specs, scales, "vision_model.embeddings.position_embedding", dt, 0.5f, 1, grid * grid + 1, c);
        add(specs, scales, "vision_model.embeddings.patch_embedding.weight", dt, inv(3 * 14 * 14), c, 3, 14, 14);
        add(specs, scales, "vision_model.embeddings.patch_embedding.bias", dt, 0.1f, c);
        for (int i = 0; i < s.vLayers(); i++) {
            String l = "vision_model.encoder.layers." + i + ".";
            add(specs, scales, l + "attn.qkv.weight", dt, inv(c), 3 * c, c);
            add(specs, scales, l + "attn.qkv.bias", dt, 0.1f, 3 * c);
            add(specs, scales, l + "attn.proj.weight", dt, inv(c), c, c);
            add(specs, scales, l + "attn.proj.bias", dt, 0.1f, c);
            add(specs, scales, l + "ls1", dt, -1, c);
            add(specs, scales, l + "ls2", dt, -1, c);
            for (String n : new String[] {"norm1", "norm2"}) {
                add(specs, scales, l + n + ".weight", dt, -1, c);
                add(specs, scales, l + n + ".bias", dt, 0.1f, c);
            }
            add(specs, scales, l + "mlp.fc1.weight", dt, inv(c), s.vFfn(), c);
            add(specs, scales, l + "mlp.fc1.bias", dt, 0.1f, s.vFfn());
            add(specs, scales, l + "mlp.fc2.weight", dt, inv(s.vFfn()), c, s.vFfn());
            add(specs, scales, l + "mlp.fc2.bias", dt, 0.1f, c);
        }
        long c4 = 4 * c;
        long d = s.hidden();
        add(specs, scales, "mlp1.0.weight", dt, -1, c4);
        add(specs, scales, "mlp1.0.bias", dt, 0.1f, c4);
        add(specs, scales, "mlp1.1.weight", dt, inv(c4), d, c4);
        add(specs, scales, "mlp1.1.bias", dt, 0.1f, d);
        add(specs, scales, "mlp1.3.weight", dt, inv(d), d, d);
        add(specs, scales, "mlp1.3.bias", dt, 0.1f, d);
        long hd = d / s.heads();
        long q = hd * s.heads();
        long kv = hd * s.kvHeads();
        String m = "language_model.model.";
        add(specs, scales, m + "embed_tokens.weight", dt, 1f, s.vocab(), d);
        for (int i = 0; i < s.layers(); i++) {
            String l = m + "layers." + i + ".";
            add(specs, scales, l + "input_layernorm.weight", dt, -1, d);
            add(specs, scales, l + "self_attn.q_proj.weight", dt, inv(d), q, d);
            add(specs, scales, l + "self_attn.q_proj.bias", dt, 0.1f, q);
            add(specs, scales, l + "self_attn.k_proj.weight", dt, inv(d), kv, d);
            add(specs, scales, l + "self_attn.k_proj.bias", dt, 0.1f, kv);
            add(specs, scales, l + "self_attn.v_proj.weight", dt, inv(d), kv, d);
            add(specs, scales, l + "self_attn.v_proj.bias", dt, 0.1f, kv);
            add(specs, scales, l + "self_attn.o_proj.weight", dt, inv(q), d, q);
            add(specs, scales, l + "post_attention_layernorm.weight", dt, -1, d);
            add(specs, scales, l + "mlp.gate_proj.weight", dt, inv(d), s.ffn(), d);
            add(specs, scales, l + "mlp.up_proj.weight", dt, inv(d), s.ffn(), d);
            add(specs, scales, l + "mlp.down_proj.weight", dt, inv(s.ffn()), d, s.ffn());
        }
        add(specs, scales, m + "norm.weight", dt, -1, d);
        add(specs, scales, "language_model.lm_head.weight", dt, 4 * inv(d), s.vocab(), d);
    }

    private static float inv(long fanIn) {
        return (float) (1.0 / Math.sqrt(fanIn));
    }

    private static void add(List<TensorSpec> specs, List<Float> scales, String name, DType dt, float scale,
                            long... shape) {
        specs.add(new TensorSpec(name, dt, shape));
        scales.add(scale);
    }

    private static String config(Shape s) {
        return """
                {
                  "model_type": "internvl_chat",
                  "vision_config": {"hidden_size": %d, "num_hidden_layers": %d, "num_attention_heads": %d,
                    "intermediate_size": %d, "norm_type": "layer_norm", "layer_norm_eps": 1e-6, "hidden_act": "gelu",
                    "qkv_bias": true, "qk_normalization": false, "image_size": %d, "patch_size": 14},
                  "llm_config": {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": %d,
                    "num_hidden_layers": %d, "num_attention_heads": %d, "num_key_value_heads": %d,
                    "intermediate_size": %d, "vocab_size": %d, "rope_theta": 1000000.0, "rms_norm_eps": 1e-6,
                    "max_position_embeddings": 32768, "hidden_act": "silu", "tie_word_embeddings": false,
                    "use_sliding_window": false, "rope_scaling": {"factor": 2.0, "rope_type": "dynamic"}},
                  "downsample_ratio": 0.5, "ps_version": "v2", "select_layer": -1, "template": "internvl2_5",
                  "force_image_size": %d, "dynamic_image_size": true, "use_thumbnail": true,
                  "min_dynamic_patch": 1, "max_dynamic_patch": 12, "tie_word_embeddings": false
                }
                """.formatted(s.vHidden(), s.vLayers(), s.vHeads(), s.vFfn(), s.tile(), s.hidden(), s.layers(),
                s.heads(), s.kvHeads(), s.ffn(), s.vocab(), s.tile());
    }

    /**
     * vocab.json with the 256 byte-level tokens, no merges, and the chat/vision special tokens at InternVL3's ids
     * (counted from the end of its 151674-token vocabulary: 151643 endoftext … 151667 IMG_CONTEXT).
     */
    private static void writeTokenizer(Path dir, Shape s) throws IOException {
        StringBuilder vocab = new StringBuilder("{");
        char[] chars = byteLevelChars();
        for (int b = 0; b < 256; b++) {
            String ch = chars[b] == '"' ? "\\\"" : chars[b] == '\\' ? "\\\\" : String.valueOf(chars[b]);
            vocab.append(b == 0 ? "" : ",").append('"').append(ch).append("\":").append(b);
        }
        Files.writeString(dir.resolve("vocab.json"), vocab.append('}').toString());
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
        int v = s.vocab();
        Object[][] added = {{v - 31, "<|endoftext|>"}, {v - 30, "<|im_start|>"}, {v - 29, "<|im_end|>"},
                {v - 9, "<img>"}, {v - 8, "</img>"}, {v - 7, "<IMG_CONTEXT>"}};
        StringBuilder ids = new StringBuilder("{");
        StringBuilder decoder = new StringBuilder("{");
        for (Object[] a : added) {
            String sep = ids.length() == 1 ? "" : ",";
            ids.append(sep).append('"').append(a[1]).append("\":").append(a[0]);
            decoder.append(sep).append('"').append(a[0]).append("\":{\"content\":\"").append(a[1])
                    .append("\",\"special\":true,\"normalized\":false,\"lstrip\":false,\"rstrip\":false,"
                            + "\"single_word\":false}");
        }
        Files.writeString(dir.resolve("added_tokens.json"), ids.append('}').toString());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"added_tokens_decoder\":" + decoder.append('}')
                + ",\"eos_token\":\"<|im_end|>\",\"pad_token\":\"<|endoftext|>\"}");
    }

    /** GPT-2's byte → printable character table (byte-level BPE). */
    private static char[] byteLevelChars() {
        char[] out = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean direct = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = direct ? (char) b : (char) next++;
        }
        return out;
    }
}
