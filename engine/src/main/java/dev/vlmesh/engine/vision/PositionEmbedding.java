package dev.vlmesh.engine.vision;

/**
 * Resamples the ViT position table to another patch grid the way the reference does: the class-token row is kept,
 * the patch rows form a square G×G image per channel that is resized with PyTorch's bicubic interpolation
 * ({@code mode='bicubic', align_corners=False}: cubic convolution with A = −0.75, source index
 * {@code (dst + 0.5)·in/out − 0.5} without clamping, taps clamped to the border, no antialiasing), computed in float32.
 */
public final class PositionEmbedding {
    private static final float A = -0.75f;

    private PositionEmbedding() {
    }

    /** table: [1 + g·g, c] → [1 + h·w, c]; returns the table itself when h = w = g. */
    public static float[] resample(float[] table, int g, int h, int w, int c) {
        if (h == g && w == g) {
            return table;
        }
        float[] out = new float[(1 + h * w) * c];
        System.arraycopy(table, 0, out, 0, c);
        int[] yIdx = new int[h * 4];
        float[] yW = new float[h * 4];
        taps(g, h, yIdx, yW);
        int[] xIdx = new int[w * 4];
        float[] xW = new float[w * 4];
        taps(g, w, xIdx, xW);
        // separable: rows first (x direction), then columns, both in float32
        float[] tmp = new float[g * w * c];
        for (int sy = 0; sy < g; sy++) {
            for (int ox = 0; ox < w; ox++) {
                int dst = (sy * w + ox) * c;
                for (int k = 0; k < 4; k++) {
                    float wt = xW[ox * 4 + k];
                    int src = (1 + sy * g + xIdx[ox * 4 + k]) * c;
                    for (int ch = 0; ch < c; ch++) {
                        tmp[dst + ch] += wt * table[src + ch];
                    }
                }
            }
        }
        for (int oy = 0; oy < h; oy++) {
            for (int ox = 0; ox < w; ox++) {
                int dst = (1 + oy * w + ox) * c;
                for (int k = 0; k < 4; k++) {
                    float wt = yW[oy * 4 + k];
                    int src = (yIdx[oy * 4 + k] * w + ox) * c;
                    for (int ch = 0; ch < c; ch++) {
                        out[dst + ch] += wt * tmp[src + ch];
                    }
                }
            }
        }
        return out;
    }

    /** For each output index: the 4 clamped input indices and their cubic weights. */
    private static void taps(int in, int out, int[] idx, float[] wts) {
        float scale = (float) in / out;
        for (int o = 0; o < out; o++) {
            float real = scale * (o + 0.5f) - 0.5f;
            int i0 = (int) Math.floor(real);
            i0 = Math.min(i0, in - 1);
            float t = Math.min(Math.max(real - i0, 0f), 1f);
            wts[o * 4] = cubic2(t + 1f);
            wts[o * 4 + 1] = cubic1(t);
            wts[o * 4 + 2] = cubic1(1f - t);
            wts[o * 4 + 3] = cubic2(2f - t);
            for (int k = 0; k < 4; k++) {
                idx[o * 4 + k] = Math.max(0, Math.min(in - 1, i0 - 1 + k));
            }
        }
    }

    private static float cubic1(float x) {
        return ((A + 2f) * x - (A + 3f)) * x * x + 1f;
    }

    private static float cubic2(float x) {
        return ((A * x - 5f * A) * x + 8f * A) * x - 4f * A;
    }
}
