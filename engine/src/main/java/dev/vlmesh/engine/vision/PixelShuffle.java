package dev.vlmesh.engine.vision;

/**
 * InternVL's pixel shuffle at ratio 0.5: each 2×2 block of patch features becomes one token of 4× the width.
 * Version 2 (InternVL3) keeps the token grid row-major:
 * {@code out[y2·(g/2) + x2][dy·2C + dx·C + c] = in[(2·y2 + dy)·g + 2·x2 + dx][c]}. Version 1 emits the same tokens
 * in transposed (column-major) order.
 */
public final class PixelShuffle {
    private PixelShuffle() {
    }

    /** in: [g·g, c] starting at {@code inOff}; out: [(g/2)², 4c] starting at {@code outOff}. */
    public static void shuffle(float[] in, int inOff, int g, int c, boolean v2, float[] out, int outOff) {
        int h = g / 2;
        for (int y2 = 0; y2 < h; y2++) {
            for (int x2 = 0; x2 < h; x2++) {
                int token = v2 ? y2 * h + x2 : x2 * h + y2;
                int dst = outOff + token * 4 * c;
                for (int dy = 0; dy < 2; dy++) {
                    for (int dx = 0; dx < 2; dx++) {
                        int src = inOff + ((2 * y2 + dy) * g + 2 * x2 + dx) * c;
                        System.arraycopy(in, src, out, dst + dy * 2 * c + dx * c, c);
                    }
                }
            }
        }
    }
}
