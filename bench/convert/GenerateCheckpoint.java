import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes an InternVL3-8B-shaped checkpoint (InternViT-300M + Qwen2.5-7B, original OpenGVLab layout, bfloat16 random
 * values) for the conversion benchmark: config.json, model-0000k-of-0000n.safetensors (tensors in sorted name order,
 * split by size like save_pretrained) and model.safetensors.index.json. Data is streamed; memory stays small.
 *
 * usage: java bench/convert/GenerateCheckpoint.java OUT_DIR [--llm-layers 28] [--files 4] [--sums FILE]
 *
 * {@code --sums} also writes the SHA-256 of every file (sha256sum format), computed while writing — as a download
 * records them — for {@code ConvertMain hf-to-mm --source-sums}.
 */
public class GenerateCheckpoint {
    static final int VIT_HIDDEN = 1024, VIT_LAYERS = 24, VIT_HEADS = 16, VIT_FFN = 4096, PATCH = 14, IMAGE = 448;
    static final int HIDDEN = 3584, HEADS = 28, KV = 4, FFN = 18944, VOCAB = 151674;

    record T(String name, long[] shape) {
        long bytes() {
            long n = 2;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int llmLayers = 28;
        int files = 4;
        Path sums = null;
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--llm-layers" -> llmLayers = Integer.parseInt(args[i + 1]);
                case "--files" -> files = Integer.parseInt(args[i + 1]);
                case "--sums" -> sums = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException(args[i]);
            }
        }
        Files.createDirectories(out);
        TreeMap<String, long[]> all = new TreeMap<>();
        long c = VIT_HIDDEN;
        all.put("vision_model.embeddings.class_embedding", new long[] {1, 1, c});
        long grid = IMAGE / PATCH;
        all.put("vision_model.embeddings.position_embedding", new long[] {1, grid * grid + 1, c});
        all.put("vision_model.embeddings.patch_embedding.weight", new long[] {c, 3, PATCH, PATCH});
        all.put("vision_model.embeddings.patch_embedding.bias", new long[] {c});
        for (int l = 0; l < VIT_LAYERS; l++) {
            String p = "vision_model.encoder.layers." + l + ".";
            all.put(p + "attn.qkv.weight", new long[] {3 * c, c});
            all.put(p + "attn.qkv.bias", new long[] {3 * c});
            all.put(p + "attn.proj.weight", new long[] {c, c});
            all.put(p + "attn.proj.bias", new long[] {c});
            all.put(p + "mlp.fc1.weight", new long[] {VIT_FFN, c});
            all.put(p + "mlp.fc1.bias", new long[] {VIT_FFN});
            all.put(p + "mlp.fc2.weight", new long[] {c, VIT_FFN});
            all.put(p + "mlp.fc2.bias", new long[] {c});
            for (String n : List.of("norm1", "norm2")) {
                all.put(p + n + ".weight", new long[] {c});
                all.put(p + n + ".bias", new long[] {c});
            }
            all.put(p + "ls1", new long[] {c});
            all.put(p + "ls2", new long[] {c});
        }
        all.put("mlp1.0.weight", new long[] {4 * c});
        all.put("mlp1.0.bias", new long[] {4 * c});
        all.put("mlp1.1.weight", new long[] {HIDDEN, 4 * c});
        all.put("mlp1.1.bias", new long[] {HIDDEN});
        all.put("mlp1.3.weight", new long[] {HIDDEN, HIDDEN});
        all.put("mlp1.3.bias", new long[] {HIDDEN});
        long hd = HIDDEN / HEADS;
        all.put("language_model.model.embed_tokens.weight", new long[] {VOCAB, HIDDEN});
        for (int l = 0; l < llmLayers; l++) {
            String p = "language_model.model.layers." + l + ".";
            all.put(p + "self_attn.q_proj.weight", new long[] {HEADS * hd, HIDDEN});
            all.put(p + "self_attn.q_proj.bias", new long[] {HEADS * hd});
            all.put(p + "self_attn.k_proj.weight", new long[] {KV * hd, HIDDEN});
            all.put(p + "self_attn.k_proj.bias", new long[] {KV * hd});
            all.put(p + "self_attn.v_proj.weight", new long[] {KV * hd, HIDDEN});
            all.put(p + "self_attn.v_proj.bias", new long[] {KV * hd});
            all.put(p + "self_attn.o_proj.weight", new long[] {HIDDEN, HEADS * hd});
            all.put(p + "mlp.gate_proj.weight", new long[] {FFN, HIDDEN});
            all.put(p + "mlp.up_proj.weight", new long[] {FFN, HIDDEN});
            all.put(p + "mlp.down_proj.weight", new long[] {HIDDEN, FFN});
            all.put(p + "input_layernorm.weight", new long[] {HIDDEN});
            all.put(p + "post_attention_layernorm.weight", new long[] {HIDDEN});
        }
        all.put("language_model.model.norm.weight", new long[] {HIDDEN});
        all.put("language_model.lm_head.weight", new long[] {VOCAB, HIDDEN});

        List<T> tensors = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, long[]> e : all.entrySet()) {
            T t = new T(e.getKey(), e.getValue());
            tensors.add(t);
            total += t.bytes();
        }
        long perFile = (total + files - 1) / files;
        List<List<T>> split = new ArrayList<>();
        split.add(new ArrayList<>());
        long size = 0;
        for (T t : tensors) {
            if (!split.getLast().isEmpty() && size >= perFile) {
                split.add(new ArrayList<>());
                size = 0;
            }
            split.getLast().add(t);
            size += t.bytes();
        }
        Map<String, String> weightMap = new TreeMap<>();
        StringBuilder sumLines = new StringBuilder();
        long seed = 0x9E3779B97F4A7C15L;
        ByteBuffer buf = ByteBuffer.allocateDirect(64 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (int f = 0; f < split.size(); f++) {
            String name = String.format("model-%05d-of-%05d.safetensors", f + 1, split.size());
            StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
            long off = 0;
            for (T t : split.get(f)) {
                StringBuilder shape = new StringBuilder();
                for (long d : t.shape()) {
                    shape.append(shape.isEmpty() ? "" : ",").append(d);
                }
                h.append(",\"").append(t.name()).append("\":{\"dtype\":\"BF16\",\"shape\":[").append(shape)
                        .append("],\"data_offsets\":[").append(off).append(',').append(off + t.bytes()).append("]}");
                off += t.bytes();
                weightMap.put(t.name(), name);
            }
            h.append('}');
            byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
            int padded = (json.length + 7) & ~7;
            java.security.MessageDigest sha;
            try {
                sha = java.security.MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            try (FileChannel ch = FileChannel.open(out.resolve(name), StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
                head.putLong(padded).put(json);
                while (head.hasRemaining()) {
                    head.put((byte) ' ');
                }
                head.flip();
                sha.update(head.duplicate());
                ch.write(head);
                for (long left = off; left > 0; ) {
                    buf.clear();
                    int n = (int) Math.min(buf.capacity(), left);
                    for (int i = 0; i + 8 <= n; i += 8) {
                        seed ^= seed << 13;
                        seed ^= seed >>> 7;
                        seed ^= seed << 17;
                        // four bf16 values with exponents near 2^-6: finite, small, random mantissas and signs
                        buf.putLong(i, (seed & 0x807F807F807F807FL) | 0x3C003C003C003C00L);
                    }
                    buf.limit(n);
                    if (sums != null) {
                        sha.update(buf.duplicate());
                    }
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    left -= n;
                }
                ch.force(true);
            }
            sumLines.append(java.util.HexFormat.of().formatHex(sha.digest())).append("  ").append(name).append('\n');
        }
        StringBuilder idx = new StringBuilder("{\"metadata\":{\"total_size\":" + total + "},\"weight_map\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            idx.append(first ? "" : ",").append('"').append(e.getKey()).append("\":\"").append(e.getValue())
                    .append('"');
            first = false;
        }
        idx.append("}}");
        Files.writeString(out.resolve("model.safetensors.index.json"), idx);
        Files.writeString(out.resolve("config.json"), config(llmLayers));
        if (sums != null) {
            for (String small : List.of("model.safetensors.index.json", "config.json")) {
                byte[] b = Files.readAllBytes(out.resolve(small));
                try {
                    sumLines.append(java.util.HexFormat.of().formatHex(java.security.MessageDigest
                            .getInstance("SHA-256").digest(b))).append("  ").append(small).append('\n');
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
            Files.writeString(sums, sumLines);
        }
        System.out.println("wrote " + out + ": " + tensors.size() + " tensors, " + total + " bytes in " + split.size()
                + " files");
    }

    static String config(int llmLayers) {
        return """
                {"architectures":["InternVLChatModel"],"model_type":"internvl_chat","downsample_ratio":0.5,
                 "dynamic_image_size":true,"force_image_size":448,"max_dynamic_patch":12,"min_dynamic_patch":1,
                 "ps_version":"v2","select_layer":-1,"template":"internvl2_5","tie_word_embeddings":false,
                 "use_thumbnail":true,"torch_dtype":"bfloat16",
                 "vision_config":{"architectures":["InternVisionModel"],"model_type":"intern_vit_6b","hidden_size":1024,
                  "num_hidden_layers":24,"num_attention_heads":16,"intermediate_size":4096,"norm_type":"layer_norm",
                  "layer_norm_eps":1e-6,"qkv_bias":true,"qk_normalization":false,"image_size":448,"patch_size":14,
                  "hidden_act":"gelu","num_channels":3},
                 "llm_config":{"architectures":["Qwen2ForCausalLM"],"model_type":"qwen2","hidden_size":3584,
                  "num_hidden_layers":%d,"num_attention_heads":28,"num_key_value_heads":4,"intermediate_size":18944,
                  "vocab_size":151674,"max_position_embeddings":32768,"rms_norm_eps":1e-6,"rope_theta":1000000.0,
                  "rope_scaling":{"factor":2.0,"rope_type":"dynamic","type":"dynamic"},"hidden_act":"silu",
                  "use_sliding_window":false,"tie_word_embeddings":false}}
                """.formatted(llmLayers);
    }
}
