package dev.vlmesh.engine.convert;

import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.checkpoint.TextConfig;
import dev.vlmesh.engine.checkpoint.VisionConfig;
import dev.vlmesh.engine.convert.MmTensorRule.CanonicalPart;
import dev.vlmesh.engine.convert.MmTensorRule.Modality;
import dev.vlmesh.engine.convert.MmTensorRule.Role;
import java.util.ArrayList;
import java.util.List;

/**
 * The MindSpeed-MM state dict of an InternVL3 model (Qwen2 LLM), following {@code mm-convert InternVLConverter}
 * (see {@code shared/reference/mindspeed-mm.md} §3): vision under {@code image_encoder.encoder.}, projector under
 * {@code image_encoder.projector.}, LLM under {@code text_decoder.}. Canonical names are the engine's (transformers
 * "-hf" layout, {@code model.} prefix, separate q/k/v).
 */
public final class MindSpeedRules {

    static final String VT = "model.vision_tower.";
    static final String PROJ = "model.multi_modal_projector.";
    static final String LM = "model.language_model.";
    public static final String VIT_LAYERS = "image_encoder.encoder.encoder.layers.";
    public static final String LLM_LAYERS = "text_decoder.decoder.layers.";

    private MindSpeedRules() {
    }

    /** Every tensor of the unsplit MindSpeed-MM model, vision first, in a stable order. */
    public static List<MmTensorRule> of(ModelConfig m, ParallelSpec spec) {
        List<MmTensorRule> out = new ArrayList<>();
        vision(m.vision(), m, out);
        text(m.text(), spec, out);
        return List.copyOf(out);
    }

    private static void vision(VisionConfig v, ModelConfig m, List<MmTensorRule> out) {
        long c = v.hiddenSize();
        long p = v.patchSize();
        String e = "image_encoder.encoder.embeddings.";
        first(out, Modality.VISION, e + "class_embedding", VT + "embeddings.cls_token", 1, 1, c);
        first(out, Modality.VISION, e + "position_embedding", VT + "embeddings.position_embeddings", 1,
                v.positions(), c);
        first(out, Modality.VISION, e + "patch_embedding.weight", VT + "embeddings.patch_embeddings.projection.weight",
                c, 3, p, p);
        first(out, Modality.VISION, e + "patch_embedding.bias", VT + "embeddings.patch_embeddings.projection.bias", c);
        boolean ln = v.normType() == VisionConfig.NormType.LAYER_NORM;
        for (int i = 0; i < v.layers(); i++) {
            Layer l = new Layer(out, Modality.VISION, VIT_LAYERS, i, VT + "encoder.layer." + i + ".");
            for (String w : v.qkvBias() ? List.of("weight", "bias") : List.of("weight")) {
                long[] shape = w.equals("weight") ? new long[] {c, c} : new long[] {c};
                l.add(".self_attention.linear_qkv." + w, Fusion.VIT_QKV, Split.headQkv(v.heads()),
                        part(l.canon + "attention.q_proj." + w, shape), part(l.canon + "attention.k_proj." + w, shape),
                        part(l.canon + "attention.v_proj." + w, shape));
            }
            l.add(".self_attention.linear_proj.weight", Split.headCols(v.heads()),
                    "attention.projection_layer.weight", c, c);
            l.add(".self_attention.linear_proj.bias", Split.REPLICATED, "attention.projection_layer.bias", c);
            if (v.qkNorm()) {
                l.add(".self_attention.q_layernorm.weight", Split.REPLICATED, "attention.q_norm.weight", c);
                l.add(".self_attention.k_layernorm.weight", Split.REPLICATED, "attention.k_norm.weight", c);
            }
            l.add(".mlp.linear_fc1.weight", Split.ROWS, "mlp.fc1.weight", v.intermediateSize(), c);
            l.add(".mlp.linear_fc1.bias", Split.ROWS, "mlp.fc1.bias", v.intermediateSize());
            l.add(".mlp.linear_fc2.weight", Split.COLS, "mlp.fc2.weight", c, v.intermediateSize());
            l.add(".mlp.linear_fc2.bias", Split.REPLICATED, "mlp.fc2.bias", c);
            l.add(".input_layernorm.weight", Split.REPLICATED, "layernorm_before.weight", c);
            if (ln) {
                l.add(".input_layernorm.bias", Split.REPLICATED, "layernorm_before.bias", c);
            }
            l.add(".pre_mlp_layernorm.weight", Split.REPLICATED, "layernorm_after.weight", c);
            if (ln) {
                l.add(".pre_mlp_layernorm.bias", Split.REPLICATED, "layernorm_after.bias", c);
            }
            l.add(".ls1", Split.REPLICATED, "lambda_1", c);
            l.add(".ls2", Split.REPLICATED, "lambda_2", c);
        }
        long shuffled = Math.round(c / (m.downsampleRatio() * m.downsampleRatio()));
        long d = m.text().hiddenSize();
        String pj = "image_encoder.projector.";
        last(out, Modality.VISION, pj + "norm.weight", PROJ + "layer_norm.weight", shuffled);
        last(out, Modality.VISION, pj + "norm.bias", PROJ + "layer_norm.bias", shuffled);
        last(out, Modality.VISION, pj + "linear_fc1.weight", PROJ + "linear_1.weight", d, shuffled);
        last(out, Modality.VISION, pj + "linear_fc1.bias", PROJ + "linear_1.bias", d);
        last(out, Modality.VISION, pj + "linear_fc2.weight", PROJ + "linear_2.weight", d, d);
        last(out, Modality.VISION, pj + "linear_fc2.bias", PROJ + "linear_2.bias", d);
    }

    private static void text(TextConfig t, ParallelSpec spec, List<MmTensorRule> out) {
        long d = t.hiddenSize();
        long hd = t.headDim();
        long vocab = t.vocabSize();
        String embed = LM + "embed_tokens.weight";
        out.add(new MmTensorRule("text_decoder.embedding.word_embeddings.weight", Modality.TEXT, Role.FIRST, -1,
                null, null, Fusion.NONE, Split.VOCAB, List.of(part(embed, vocab, d))));
        long qPerGroup = (long) (t.heads() / t.kvHeads()) * hd;
        for (int i = 0; i < t.layers(); i++) {
            Layer l = new Layer(out, Modality.TEXT, LLM_LAYERS, i, LM + "layers." + i + ".");
            l.add(".self_attention.linear_qkv.weight", Fusion.llmQkv(t.kvHeads(), qPerGroup, hd), Split.ROWS,
                    part(l.canon + "self_attn.q_proj.weight", t.qDim(), d),
                    part(l.canon + "self_attn.k_proj.weight", t.kvDim(), d),
                    part(l.canon + "self_attn.v_proj.weight", t.kvDim(), d));
            l.add(".self_attention.linear_qkv.bias", Fusion.llmQkv(t.kvHeads(), qPerGroup, hd), Split.ROWS,
                    part(l.canon + "self_attn.q_proj.bias", t.qDim()),
                    part(l.canon + "self_attn.k_proj.bias", t.kvDim()),
                    part(l.canon + "self_attn.v_proj.bias", t.kvDim()));
            l.add(".self_attention.linear_proj.weight", Split.COLS, "self_attn.o_proj.weight", d, t.qDim());
            l.add(".mlp.linear_fc1.weight", Fusion.GLU, Split.GLU,
                    part(l.canon + "mlp.gate_proj.weight", t.intermediateSize(), d),
                    part(l.canon + "mlp.up_proj.weight", t.intermediateSize(), d));
            l.add(".mlp.linear_fc2.weight", Split.COLS, "mlp.down_proj.weight", d, t.intermediateSize());
            l.add(".input_layernorm.weight", Split.REPLICATED, "input_layernorm.weight", d);
            l.add(".pre_mlp_layernorm.weight", Split.REPLICATED, "post_attention_layernorm.weight", d);
        }
        last(out, Modality.TEXT, "text_decoder.decoder.final_layernorm.weight", LM + "norm.weight", d);
        String head = "text_decoder.output_layer.weight";
        if (!t.tieWordEmbeddings()) {
            out.add(new MmTensorRule(head, Modality.TEXT, Role.LAST, -1, null, null, Fusion.NONE, Split.VOCAB,
                    List.of(part("lm_head.weight", vocab, d))));
        } else if (spec.pp() > 1) {
            // mm-convert's TieOp: with the embedding on the first stage, the last stage needs its own copy.
            out.add(new MmTensorRule(head, Modality.TEXT, Role.LAST, -1, null, null, Fusion.TIE, Split.VOCAB,
                    List.of(part(embed, vocab, d))));
        }
    }

    private static CanonicalPart part(String name, long... shape) {
        return new CanonicalPart(name, shape);
    }

    private static void first(List<MmTensorRule> out, Modality mod, String name, String canon, long... shape) {
        out.add(new MmTensorRule(name, mod, Role.FIRST, -1, null, null, Fusion.NONE, Split.REPLICATED,
                List.of(part(canon, shape))));
    }

    private static void last(List<MmTensorRule> out, Modality mod, String name, String canon, long... shape) {
        out.add(new MmTensorRule(name, mod, Role.LAST, -1, null, null, Fusion.NONE, Split.REPLICATED,
                List.of(part(canon, shape))));
    }

    /** Adds the tensors of one transformer layer. */
    private record Layer(List<MmTensorRule> out, Modality mod, String prefix, int index, String canon) {
        void add(String suffix, Fusion fusion, Split split, CanonicalPart... parts) {
            out.add(new MmTensorRule(prefix + index + suffix, mod, Role.LAYER, index, prefix, suffix, fusion, split,
                    List.of(parts)));
        }

        void add(String suffix, Split split, String canonSuffix, long... shape) {
            add(suffix, Fusion.NONE, split, part(canon + canonSuffix, shape));
        }
    }
}
