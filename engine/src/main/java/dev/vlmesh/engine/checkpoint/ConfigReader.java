package dev.vlmesh.engine.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads {@code config.json} of an InternVL checkpoint in either layout into a {@link ModelConfig}. Missing optional
 * keys take the defaults of the reference config classes (OpenGVLab's {@code InternVisionConfig}, transformers'
 * {@code InternVLVisionConfig} and {@code Qwen2Config}), so the engine builds the same model the reference would.
 * Anything the engine cannot run (another LLM family, another activation, sliding windows, other RoPE scalings) is
 * rejected here, before any weight is touched.
 */
public final class ConfigReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigReader() {
    }

    public static ModelConfig read(Path dir) throws CheckpointException {
        Path file = dir.resolve("config.json");
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new CheckpointException(dir + ": no config.json (not a checkpoint directory?)");
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file + ": invalid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file + ": not a JSON object");
        }
        String modelType = text(root, "model_type", null);
        CheckpointLayout layout;
        if ("internvl_chat".equals(modelType) || (modelType == null && root.has("llm_config"))) {
            layout = CheckpointLayout.ORIGINAL;
        } else if ("internvl".equals(modelType) || (modelType == null && root.has("text_config"))) {
            layout = CheckpointLayout.HF;
        } else {
            throw new CheckpointException(file + ": unsupported model_type '" + modelType
                    + "' (expected 'internvl_chat' or 'internvl')");
        }
        Ctx c = new Ctx(file);
        return layout == CheckpointLayout.ORIGINAL ? readOriginal(c, root) : readHf(c, root);
    }

    private record Ctx(Path file) {
        CheckpointException error(String msg) {
            return new CheckpointException(file + ": " + msg);
        }
    }

    private static ModelConfig readOriginal(Ctx c, JsonNode root) throws CheckpointException {
        JsonNode v = section(c, root, "vision_config");
        JsonNode l = section(c, root, "llm_config");
        // Defaults of OpenGVLab's InternVisionConfig (the 6B encoder's values).
        String norm = text(v, "norm_type", "rms_norm");
        VisionConfig vision = vision(c, "vision_config",
                integer(c, v, "hidden_size", 3200), integer(c, v, "num_hidden_layers", 48),
                integer(c, v, "num_attention_heads", 25), integer(c, v, "intermediate_size", 12800),
                norm, number(c, v, "layer_norm_eps", 1e-6), bool(c, v, "qkv_bias", false),
                bool(c, v, "qk_normalization", true), integer(c, v, "image_size", 224),
                integer(c, v, "patch_size", 14), text(v, "hidden_act", "gelu"));
        TextConfig t = qwen2(c, "llm_config", l, false);
        // InternVLChatConfig forces an untied head whatever llm_config says.
        TextConfig text = new TextConfig(t.architecture(), t.hiddenSize(), t.layers(), t.heads(), t.kvHeads(),
                t.headDim(), t.intermediateSize(), t.vocabSize(), t.ropeTheta(), t.rmsNormEps(),
                t.maxPositionEmbeddings(), t.ropeScalingType(), t.ropeScalingFactor(), false);
        int imageSize = root.hasNonNull("force_image_size") ? integer(c, root, "force_image_size", 0)
                : vision.imageSize();
        return finish(c, new ModelConfig(CheckpointLayout.ORIGINAL, vision, text,
                number(c, root, "downsample_ratio", 0.5), text(root, "ps_version", "v1"),
                integer(c, root, "select_layer", -1), imageSize, -1, text(root, "template", null),
                bool(c, root, "dynamic_image_size", false), bool(c, root, "use_thumbnail", false),
                integer(c, root, "min_dynamic_patch", 1), integer(c, root, "max_dynamic_patch", 6)));
    }

    private static ModelConfig readHf(Ctx c, JsonNode root) throws CheckpointException {
        JsonNode v = section(c, root, "vision_config");
        JsonNode t = section(c, root, "text_config");
        String strategy = text(root, "vision_feature_select_strategy", "default");
        if (!strategy.equals("default")) {
            throw c.error("vision_feature_select_strategy '" + strategy + "' is not supported (only 'default')");
        }
        String projectorAct = text(root, "projector_hidden_act", "gelu");
        if (!projectorAct.equals("gelu")) {
            throw c.error("projector_hidden_act '" + projectorAct + "' is not supported (only exact 'gelu')");
        }
        if (v.has("use_absolute_position_embeddings") && !v.get("use_absolute_position_embeddings").asBoolean()) {
            throw c.error("vision_config.use_absolute_position_embeddings=false is not supported");
        }
        if (v.has("use_mean_pooling") && !v.get("use_mean_pooling").asBoolean()) {
            throw c.error("vision_config.use_mean_pooling=false (a final vision layer norm) is not supported");
        }
        // Defaults of transformers' InternVLVisionConfig (InternVL3-1B's encoder).
        VisionConfig vision = vision(c, "vision_config",
                integer(c, v, "hidden_size", 1024), integer(c, v, "num_hidden_layers", 24),
                integer(c, v, "num_attention_heads", 16), integer(c, v, "intermediate_size", 4096),
                text(v, "norm_type", "layer_norm"), number(c, v, "layer_norm_eps", 1e-6),
                bool(c, v, "attention_bias", false), bool(c, v, "use_qk_norm", false),
                squareSize(c, v, "image_size", 448), squareSize(c, v, "patch_size", 14),
                text(v, "hidden_act", "gelu"));
        String textType = text(t, "model_type", "qwen2");
        if (!textType.equals("qwen2")) {
            throw c.error("unsupported LLM architecture: text_config.model_type '" + textType
                    + "' (this engine runs Qwen2/Qwen2.5 language models only)");
        }
        TextConfig text = qwen2(c, "text_config", t, bool(c, root, "tie_word_embeddings", false));
        int select = root.has("vision_feature_layer") && root.get("vision_feature_layer").isArray()
                ? failInt(c, "vision_feature_layer as a list is not supported")
                : integer(c, root, "vision_feature_layer", -1);
        return finish(c, new ModelConfig(CheckpointLayout.HF, vision, text,
                number(c, root, "downsample_ratio", 0.5), "v2", select, vision.imageSize(),
                integer(c, root, "image_token_id", 151667), null, true, true, 1, 12));
    }

    private static int failInt(Ctx c, String msg) throws CheckpointException {
        throw c.error(msg);
    }

    private static ModelConfig finish(Ctx c, ModelConfig m) throws CheckpointException {
        if (m.downsampleRatio() != 0.5) {
            throw c.error("downsample_ratio " + m.downsampleRatio() + " is not supported (only 0.5)");
        }
        if (!m.psVersion().equals("v1") && !m.psVersion().equals("v2")) {
            throw c.error("ps_version '" + m.psVersion() + "' is not supported (v1 or v2)");
        }
        int used = m.visionLayersUsed();
        if (used < 1 || used > m.vision().layers()) {
            throw c.error("vision feature layer " + m.selectLayer() + " is outside the "
                    + m.vision().layers() + " vision layers");
        }
        int grid = m.imageSize() / m.vision().patchSize();
        if (m.imageSize() % m.vision().patchSize() != 0 || grid % 2 != 0) {
            throw c.error("image size " + m.imageSize() + " must be a multiple of 2 × patch size "
                    + m.vision().patchSize());
        }
        return m;
    }

    private static VisionConfig vision(Ctx c, String section, int hidden, int layers, int heads, int inter,
                                       String norm, double eps, boolean qkvBias, boolean qkNorm, int imageSize,
                                       int patch, String act) throws CheckpointException {
        VisionConfig.NormType nt = switch (norm) {
            case "layer_norm" -> VisionConfig.NormType.LAYER_NORM;
            case "rms_norm" -> VisionConfig.NormType.RMS_NORM;
            default -> throw c.error(section + ".norm_type '" + norm + "' is not supported");
        };
        if (!act.equals("gelu")) {
            throw c.error(section + ".hidden_act '" + act + "' is not supported (only exact 'gelu')");
        }
        positive(c, section + ".hidden_size", hidden);
        positive(c, section + ".num_hidden_layers", layers);
        positive(c, section + ".num_attention_heads", heads);
        positive(c, section + ".intermediate_size", inter);
        positive(c, section + ".patch_size", patch);
        positive(c, section + ".image_size", imageSize);
        if (hidden % heads != 0) {
            throw c.error(section + ".hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
        }
        if (imageSize % patch != 0) {
            throw c.error(section + ".image_size " + imageSize + " is not a multiple of patch_size " + patch);
        }
        return new VisionConfig(hidden, layers, heads, inter, nt, eps, qkvBias, qkNorm, imageSize, patch);
    }

    private static TextConfig qwen2(Ctx c, String section, JsonNode t, boolean tieDefault)
            throws CheckpointException {
        String arch = null;
        JsonNode archs = t.get("architectures");
        if (archs != null && archs.isArray() && !archs.isEmpty()) {
            arch = archs.get(0).asText();
        }
        String modelType = text(t, "model_type", null);
        boolean qwen2 = arch == null ? "qwen2".equals(modelType) || modelType == null
                : arch.equals("Qwen2ForCausalLM");
        if (!qwen2 || (modelType != null && !modelType.equals("qwen2"))) {
            String what = arch != null ? arch : modelType;
            String hint = what != null && what.startsWith("InternLM")
                    ? " (InternVL3-9B's InternLM3 LLM is not supported)" : "";
            throw c.error("unsupported LLM architecture '" + what + "' in " + section
                    + "; this engine runs Qwen2/Qwen2.5 language models only" + hint);
        }
        String act = text(t, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw c.error(section + ".hidden_act '" + act + "' is not supported (only 'silu')");
        }
        if (bool(c, t, "use_sliding_window", false)) {
            throw c.error(section + ".use_sliding_window=true is not supported");
        }
        // Defaults of transformers' Qwen2Config.
        int hidden = integer(c, t, "hidden_size", 4096);
        int heads = integer(c, t, "num_attention_heads", 32);
        int kvHeads = t.hasNonNull("num_key_value_heads") ? integer(c, t, "num_key_value_heads", heads) : heads;
        positive(c, section + ".hidden_size", hidden);
        positive(c, section + ".num_attention_heads", heads);
        positive(c, section + ".num_key_value_heads", kvHeads);
        int headDim = t.hasNonNull("head_dim") ? integer(c, t, "head_dim", 0) : hidden / heads;
        if (!t.hasNonNull("head_dim") && hidden % heads != 0) {
            throw c.error(section + ".hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
        }
        if (heads % kvHeads != 0) {
            throw c.error(section + ".num_attention_heads " + heads + " is not a multiple of num_key_value_heads "
                    + kvHeads);
        }
        if (headDim <= 0 || headDim % 2 != 0) {
            throw c.error(section + ": head dimension " + headDim + " must be positive and even");
        }
        double theta = 10000.0;
        String ropeType = "default";
        double factor = 1.0;
        JsonNode rp = t.get("rope_parameters");
        JsonNode rs = t.get("rope_scaling");
        if (t.hasNonNull("rope_theta")) {
            theta = number(c, t, "rope_theta", theta);
        }
        JsonNode scaling = rp != null && rp.isObject() ? rp : (rs != null && rs.isObject() ? rs : null);
        if (scaling != null) {
            if (scaling.hasNonNull("rope_theta")) {
                theta = number(c, scaling, "rope_theta", theta);
            }
            ropeType = text(scaling, "rope_type", text(scaling, "type", "default"));
            if (ropeType.equals("dynamic")) {
                factor = number(c, scaling, "factor", 1.0);
                if (factor < 1.0) {
                    throw c.error(section + ": dynamic RoPE factor " + factor + " must be ≥ 1");
                }
            } else if (!ropeType.equals("default")) {
                throw c.error(section + ": RoPE scaling type '" + ropeType + "' is not supported"
                        + " (default or dynamic)");
            }
        }
        int layers = integer(c, t, "num_hidden_layers", 32);
        int inter = integer(c, t, "intermediate_size", 22016);
        int vocab = integer(c, t, "vocab_size", 151936);
        int maxPos = integer(c, t, "max_position_embeddings", 32768);
        positive(c, section + ".num_hidden_layers", layers);
        positive(c, section + ".intermediate_size", inter);
        positive(c, section + ".vocab_size", vocab);
        positive(c, section + ".max_position_embeddings", maxPos);
        return new TextConfig(arch != null ? arch : "Qwen2ForCausalLM", hidden, layers, heads, kvHeads, headDim,
                inter, vocab, theta, number(c, t, "rms_norm_eps", 1e-6), maxPos, ropeType, factor,
                bool(c, t, "tie_word_embeddings", tieDefault));
    }

    private static JsonNode section(Ctx c, JsonNode root, String name) throws CheckpointException {
        JsonNode n = root.get(name);
        if (n == null || !n.isObject()) {
            throw c.error("missing '" + name + "' section");
        }
        return n;
    }

    private static void positive(Ctx c, String key, int v) throws CheckpointException {
        if (v <= 0) {
            throw c.error(key + " must be positive, got " + v);
        }
    }

    private static String text(JsonNode n, String key, String def) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? def : v.asText();
    }

    private static int integer(Ctx c, JsonNode n, String key, int def) throws CheckpointException {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw c.error("'" + key + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static int squareSize(Ctx c, JsonNode n, String key, int def) throws CheckpointException {
        JsonNode v = n.get(key);
        if (v != null && v.isArray()) {
            if (v.size() != 2 || !v.get(0).isIntegralNumber() || v.get(0).asInt() != v.get(1).asInt()) {
                throw c.error("'" + key + "' " + v + " must be square");
            }
            return v.get(0).asInt();
        }
        return integer(c, n, key, def);
    }

    private static double number(Ctx c, JsonNode n, String key, double def) throws CheckpointException {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.isNumber()) {
            throw c.error("'" + key + "' must be a number, got " + v);
        }
        return v.asDouble();
    }

    private static boolean bool(Ctx c, JsonNode n, String key, boolean def) throws CheckpointException {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.isBoolean()) {
            throw c.error("'" + key + "' must be true or false, got " + v);
        }
        return v.asBoolean();
    }
}
