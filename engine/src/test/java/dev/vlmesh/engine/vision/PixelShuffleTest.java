package dev.vlmesh.engine.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Pixel shuffle against a literal transcription of the reference's view/permute sequence (transformers'
 * {@code InternVLModel.pixel_shuffle}): view(g, g/2, 2C) → permute(1,0,2) → view(g/2, g/2, 4C) → permute(1,0,2) (v2).
 */
class PixelShuffleTest {

    @Test
    void equalsTheReferenceReshapes() {
        int g = 6;
        int c = 3;
        float[] in = new float[g * g * c];
        for (int i = 0; i < in.length; i++) {
            in[i] = i;
        }
        for (boolean v2 : new boolean[] {true, false}) {
            float[] out = new float[in.length];
            PixelShuffle.shuffle(in, 0, g, c, v2, out, 0);
            float[] ref = reference(in, g, c, v2);
            for (int i = 0; i < ref.length; i++) {
                assertEquals(ref[i], out[i], "v2=" + v2 + " index " + i);
            }
        }
    }

    /** Index arithmetic of contiguous views and permutes, step by step. */
    static float[] reference(float[] x, int g, int c, boolean v2) {
        int h = g / 2;
        // view [g, h, 2c] is x itself; permute(1,0,2) -> a[h][g][2c]
        float[] a = new float[x.length];
        for (int i = 0; i < g; i++) {
            for (int j = 0; j < h; j++) {
                for (int k = 0; k < 2 * c; k++) {
                    a[(j * g + i) * 2 * c + k] = x[(i * h + j) * 2 * c + k];
                }
            }
        }
        // view [h, h, 4c] is a itself; v2: permute(1,0,2)
        if (!v2) {
            return a;
        }
        float[] b = new float[x.length];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < h; j++) {
                for (int k = 0; k < 4 * c; k++) {
                    b[(j * h + i) * 4 * c + k] = a[(i * h + j) * 4 * c + k];
                }
            }
        }
        return b;
    }
}
