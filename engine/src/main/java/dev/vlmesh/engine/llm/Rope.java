package dev.vlmesh.engine.llm;

import dev.vlmesh.engine.checkpoint.TextConfig;

/**
 * Rotary position embedding as transformers' Qwen2 applies it: {@code inv_freq[i] = 1 / θ^(2i/d)} in float32, angle
 * {@code pos · inv_freq[i]} in float32, and the rotate-half pairing (dimension i with i + d/2). With "dynamic"
 * scaling the base grows only once a sequence is longer than {@code max_position_embeddings}:
 * {@code θ' = θ · (f·len/max − (f − 1))^(d/(d−2))}.
 */
public final class Rope {
    private final TextConfig config;
    private final int dim;
    private final float[] invFreq;

    public Rope(TextConfig config) {
        this.config = config;
        this.dim = config.headDim();
        this.invFreq = invFreq(config.ropeTheta(), dim);
    }

    static float[] invFreq(double base, int dim) {
        float[] f = new float[dim / 2];
        float b = (float) base;
        for (int i = 0; i < f.length; i++) {
            float e = (float) (2 * i) / dim;
            f[i] = 1f / (float) Math.pow(b, e);
        }
        return f;
    }

    /** The inverse frequencies to use for a sequence whose longest position in this step is {@code seqLen − 1}. */
    float[] invFreqFor(KvCache cache, int seqLen) {
        if (!"dynamic".equals(config.ropeScalingType()) || seqLen <= config.maxPositionEmbeddings()) {
            return invFreq;
        }
        if (cache.scaledInvFreq == null || cache.scaledForLength != seqLen) {
            double f = config.ropeScalingFactor();
            double base = config.ropeTheta()
                    * Math.pow(f * seqLen / config.maxPositionEmbeddings() - (f - 1), (double) dim / (dim - 2));
            cache.scaledInvFreq = invFreq(base, dim);
            cache.scaledForLength = seqLen;
        }
        return cache.scaledInvFreq;
    }

    /** cos/sin of position {@code pos} for each frequency, into {@code cos[0:d/2)}, {@code sin[0:d/2)}. */
    static void angles(float[] inv, int pos, float[] cos, float[] sin) {
        float p = pos;
        for (int i = 0; i < inv.length; i++) {
            float a = p * inv[i];
            cos[i] = (float) Math.cos(a);
            sin[i] = (float) Math.sin(a);
        }
    }

    /** Rotates {@code heads} consecutive head vectors of length d starting at {@code off}. */
    static void apply(float[] x, int off, int heads, int d, float[] cos, float[] sin) {
        int half = d / 2;
        for (int h = 0; h < heads; h++) {
            int o = off + h * d;
            for (int i = 0; i < half; i++) {
                float a = x[o + i];
                float b = x[o + i + half];
                x[o + i] = a * cos[i] - b * sin[i];
                x[o + i + half] = b * cos[i] + a * sin[i];
            }
        }
    }
}
