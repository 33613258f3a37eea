package dev.vlmesh.engine.checkpoint;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stored tensor names → canonical names (see {@link WeightSource}). The original OpenGVLab layout is renamed as
 * transformers' converter does; its fused {@code attn.qkv} becomes three row slices. Older unprefixed "-hf" uploads
 * ({@code vision_tower.*}, {@code language_model.model.*}) are accepted as transformers still does.
 */
public final class KeyMapping {

    /** One canonical tensor taken from a stored tensor: the whole of it, or rows {@code [index·n/of, (index+1)·n/of)}. */
    public record Part(String canonicalName, int index, int of) {
        static Part whole(String name) {
            return new Part(name, 0, 1);
        }
    }

    private static final String VT = "model.vision_tower.";
    private static final Pattern ORIG_VIT_LAYER = Pattern.compile("vision_model\\.encoder\\.layers\\.(\\d+)\\.(.+)");

    private KeyMapping() {
    }

    /** Canonical parts of a stored tensor, or an empty list if the engine does not use it. */
    public static List<Part> map(CheckpointLayout layout, String stored) {
        return layout == CheckpointLayout.ORIGINAL ? original(stored) : hf(stored);
    }

    private static List<Part> original(String s) {
        switch (s) {
            case "vision_model.embeddings.class_embedding":
                return List.of(Part.whole(VT + "embeddings.cls_token"));
            case "vision_model.embeddings.position_embedding":
                return List.of(Part.whole(VT + "embeddings.position_embeddings"));
            case "vision_model.embeddings.patch_embedding.weight":
                return List.of(Part.whole(VT + "embeddings.patch_embeddings.projection.weight"));
            case "vision_model.embeddings.patch_embedding.bias":
                return List.of(Part.whole(VT + "embeddings.patch_embeddings.projection.bias"));
            case "language_model.lm_head.weight":
                return List.of(Part.whole("lm_head.weight"));
            default:
                break;
        }
        Matcher m = ORIG_VIT_LAYER.matcher(s);
        if (m.matches()) {
            String p = VT + "encoder.layer." + m.group(1) + ".";
            String rest = m.group(2);
            return switch (rest) {
                case "ls1" -> List.of(Part.whole(p + "lambda_1"));
                case "ls2" -> List.of(Part.whole(p + "lambda_2"));
                case "attn.qkv.weight", "attn.qkv.bias" -> {
                    String suffix = rest.substring("attn.qkv.".length());
                    yield List.of(new Part(p + "attention.q_proj." + suffix, 0, 3),
                            new Part(p + "attention.k_proj." + suffix, 1, 3),
                            new Part(p + "attention.v_proj." + suffix, 2, 3));
                }
                default -> {
                    String r = rest;
                    if (r.startsWith("attn.proj.")) {
                        r = "attention.projection_layer." + r.substring("attn.proj.".length());
                    } else if (r.startsWith("attn.")) {
                        r = "attention." + r.substring("attn.".length());
                    } else if (r.startsWith("norm1.")) {
                        r = "layernorm_before." + r.substring("norm1.".length());
                    } else if (r.startsWith("norm2.")) {
                        r = "layernorm_after." + r.substring("norm2.".length());
                    }
                    yield List.of(Part.whole(p + r));
                }
            };
        }
        if (s.startsWith("mlp1.0.")) {
            return List.of(Part.whole("model.multi_modal_projector.layer_norm." + s.substring(7)));
        }
        if (s.startsWith("mlp1.1.")) {
            return List.of(Part.whole("model.multi_modal_projector.linear_1." + s.substring(7)));
        }
        if (s.startsWith("mlp1.3.")) {
            return List.of(Part.whole("model.multi_modal_projector.linear_2." + s.substring(7)));
        }
        if (s.startsWith("language_model.model.")) {
            return List.of(Part.whole("model.language_model." + s.substring("language_model.model.".length())));
        }
        return List.of();
    }

    private static List<Part> hf(String s) {
        if (s.startsWith("model.") || s.equals("lm_head.weight")) {
            return List.of(Part.whole(s));
        }
        if (s.startsWith("vision_tower.") || s.startsWith("multi_modal_projector.")) {
            return List.of(Part.whole("model." + s));
        }
        if (s.equals("language_model.lm_head.weight")) {
            return List.of(Part.whole("lm_head.weight"));
        }
        if (s.startsWith("language_model.model.")) {
            return List.of(Part.whole("model.language_model." + s.substring("language_model.model.".length())));
        }
        if (s.startsWith("language_model.")) {
            return List.of(Part.whole("model.language_model." + s.substring("language_model.".length())));
        }
        return List.of();
    }

    /** The stored name a canonical tensor would have in {@code layout}, for "missing tensor" messages. */
    public static String storedNameHint(CheckpointLayout layout, String canonical) {
        if (layout == CheckpointLayout.HF) {
            return canonical;
        }
        String s = canonical;
        if (s.equals("lm_head.weight")) {
            return "language_model.lm_head.weight";
        }
        if (s.startsWith("model.language_model.")) {
            return "language_model.model." + s.substring("model.language_model.".length());
        }
        if (s.startsWith("model.multi_modal_projector.")) {
            return s.replace("model.multi_modal_projector.layer_norm.", "mlp1.0.")
                    .replace("model.multi_modal_projector.linear_1.", "mlp1.1.")
                    .replace("model.multi_modal_projector.linear_2.", "mlp1.3.");
        }
        if (s.startsWith(VT)) {
            return ("vision_model." + s.substring(VT.length()))
                    .replace("encoder.layer.", "encoder.layers.")
                    .replace("embeddings.cls_token", "embeddings.class_embedding")
                    .replace("embeddings.position_embeddings", "embeddings.position_embedding")
                    .replace("patch_embeddings.projection", "patch_embedding")
                    .replace("lambda_1", "ls1").replace("lambda_2", "ls2")
                    .replace("attention.projection_layer", "attn.proj")
                    .replaceAll("attention\\.[qkv]_proj", "attn.qkv")
                    .replace("attention.", "attn.")
                    .replace("layernorm_before", "norm1").replace("layernorm_after", "norm2");
        }
        return s;
    }
}
