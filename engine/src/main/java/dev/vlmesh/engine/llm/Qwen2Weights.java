package dev.vlmesh.engine.llm;

import dev.vlmesh.engine.checkpoint.CheckpointException;
import dev.vlmesh.engine.checkpoint.TensorLoader;
import dev.vlmesh.engine.checkpoint.TextConfig;
import dev.vlmesh.engine.tensor.WeightMatrix;

/**
 * Qwen2 decoder weights, checked against the config when loaded. q/k/v and gate/up are fused into one matrix each
 * (row blocks over the stored tensors, no copy) so each needs one kernel call. Every linear layer comes in the
 * loader's weight format; the token embedding stays as stored (a tied head is then a converted copy of it).
 */
public record Qwen2Weights(
        WeightMatrix embedTokens,
        Layer[] layers,
        float[] finalNorm,
        WeightMatrix lmHead) {

    public record Layer(
            float[] inputNorm,
            /* [q; k; v] rows */ WeightMatrix qkv,
            float[] qkvBias,
            WeightMatrix o,
            float[] postNorm,
            /* [gate; up] rows */ WeightMatrix gateUp,
            WeightMatrix down) {
    }

    private static final String P = "model.language_model.";

    public static Qwen2Weights load(TextConfig c, TensorLoader t) throws CheckpointException {
        long d = c.hiddenSize();
        long q = c.qDim();
        long kv = c.kvDim();
        long f = c.intermediateSize();
        WeightMatrix embed = t.storedMatrix(P + "embed_tokens.weight", c.vocabSize(), d);
        Layer[] layers = new Layer[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            String lp = P + "layers." + i + ".";
            String a = lp + "self_attn.";
            WeightMatrix qkv = WeightMatrix.concatRows(t.matrix(a + "q_proj.weight", q, d),
                    t.matrix(a + "k_proj.weight", kv, d), t.matrix(a + "v_proj.weight", kv, d));
            float[] bias = new float[(int) (q + 2 * kv)];
            System.arraycopy(t.floats(a + "q_proj.bias", q), 0, bias, 0, (int) q);
            System.arraycopy(t.floats(a + "k_proj.bias", kv), 0, bias, (int) q, (int) kv);
            System.arraycopy(t.floats(a + "v_proj.bias", kv), 0, bias, (int) (q + kv), (int) kv);
            WeightMatrix gateUp = WeightMatrix.concatRows(t.matrix(lp + "mlp.gate_proj.weight", f, d),
                    t.matrix(lp + "mlp.up_proj.weight", f, d));
            layers[i] = new Layer(t.floats(lp + "input_layernorm.weight", d), qkv, bias,
                    t.matrix(a + "o_proj.weight", d, q), t.floats(lp + "post_attention_layernorm.weight", d),
                    gateUp, t.matrix(lp + "mlp.down_proj.weight", d, f));
        }
        float[] norm = t.floats(P + "norm.weight", d);
        WeightMatrix head;
        if (t.has("lm_head.weight") || !c.tieWordEmbeddings()) {
            head = t.matrix("lm_head.weight", c.vocabSize(), d);
        } else {
            head = t.inFormat(P + "embed_tokens.weight (as the tied lm_head)", embed);
        }
        return new Qwen2Weights(embed, layers, norm, head);
    }
}
