package dev.vlmesh.engine.vision;

import dev.vlmesh.engine.checkpoint.CheckpointException;
import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.checkpoint.TensorLoader;
import dev.vlmesh.engine.checkpoint.VisionConfig;
import dev.vlmesh.engine.tensor.WeightMatrix;

/** InternViT and {@code mlp1} projector weights, checked against the config when loaded. */
public record VisionWeights(
        float[] clsToken,
        /* [positions, C] */ float[] positionTable,
        WeightMatrix patchWeight,
        float[] patchBias,
        Layer[] layers,
        float[] projNormWeight,
        float[] projNormBias,
        WeightMatrix projFc1,
        float[] projFc1Bias,
        WeightMatrix projFc2,
        float[] projFc2Bias) {

    /** One encoder layer. Bias and norm-bias arrays are null where the variant has none. */
    public record Layer(
            float[] norm1Weight, float[] norm1Bias,
            WeightMatrix qkv, float[] qkvBias,
            float[] qNorm, float[] kNorm,
            WeightMatrix proj, float[] projBias,
            float[] ls1,
            float[] norm2Weight, float[] norm2Bias,
            WeightMatrix fc1, float[] fc1Bias,
            WeightMatrix fc2, float[] fc2Bias,
            float[] ls2) {
    }

    private static final String VT = "model.vision_tower.";
    private static final String PROJ = "model.multi_modal_projector.";

    public static VisionWeights load(ModelConfig config, TensorLoader t) throws CheckpointException {
        VisionConfig v = config.vision();
        long c = v.hiddenSize();
        long p = v.patchSize();
        long inter = v.intermediateSize();
        boolean ln = v.normType() == VisionConfig.NormType.LAYER_NORM;
        float[] cls = t.floats(VT + "embeddings.cls_token", 1, 1, c);
        float[] pos = t.floats(VT + "embeddings.position_embeddings", 1, v.positions(), c);
        WeightMatrix patch = t.matrix(VT + "embeddings.patch_embeddings.projection.weight", c, 3, p, p);
        float[] patchBias = t.floats(VT + "embeddings.patch_embeddings.projection.bias", c);
        int used = config.visionLayersUsed();
        Layer[] layers = new Layer[used];
        for (int i = 0; i < used; i++) {
            String lp = VT + "encoder.layer." + i + ".";
            String a = lp + "attention.";
            WeightMatrix qkv = WeightMatrix.concatRows(
                    t.matrix(a + "q_proj.weight", c, c), t.matrix(a + "k_proj.weight", c, c),
                    t.matrix(a + "v_proj.weight", c, c));
            float[] qkvBias = null;
            if (v.qkvBias()) {
                qkvBias = concat(t.floats(a + "q_proj.bias", c), t.floats(a + "k_proj.bias", c),
                        t.floats(a + "v_proj.bias", c));
            }
            float[] qNorm = v.qkNorm() ? t.floats(a + "q_norm.weight", c) : null;
            float[] kNorm = v.qkNorm() ? t.floats(a + "k_norm.weight", c) : null;
            layers[i] = new Layer(
                    t.floats(lp + "layernorm_before.weight", c), ln ? t.floats(lp + "layernorm_before.bias", c) : null,
                    qkv, qkvBias, qNorm, kNorm,
                    t.matrix(a + "projection_layer.weight", c, c), t.floats(a + "projection_layer.bias", c),
                    t.floats(lp + "lambda_1", c),
                    t.floats(lp + "layernorm_after.weight", c), ln ? t.floats(lp + "layernorm_after.bias", c) : null,
                    t.matrix(lp + "mlp.fc1.weight", inter, c), t.floats(lp + "mlp.fc1.bias", inter),
                    t.matrix(lp + "mlp.fc2.weight", c, inter), t.floats(lp + "mlp.fc2.bias", c),
                    t.floats(lp + "lambda_2", c));
        }
        long c4 = 4 * c;
        long d = config.text().hiddenSize();
        return new VisionWeights(cls, pos, patch, patchBias, layers,
                t.floats(PROJ + "layer_norm.weight", c4), t.floats(PROJ + "layer_norm.bias", c4),
                t.matrix(PROJ + "linear_1.weight", d, c4), t.floats(PROJ + "linear_1.bias", d),
                t.matrix(PROJ + "linear_2.weight", d, d), t.floats(PROJ + "linear_2.bias", d));
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int o = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
