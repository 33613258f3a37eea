package dev.vlmesh.engine.image;

/**
 * torchvision's {@code ToTensor()} then {@code Normalize(mean, std)} in float32: {@code (v / 255f - mean) / std}, each
 * operation rounded to float as torch does on the CPU. The 3×256 possible results are tabulated once.
 */
public final class ImageNetNormalizer {
    private static final double[] MEAN = {0.485, 0.456, 0.406};
    private static final double[] STD = {0.229, 0.224, 0.225};
    private static final float[][] TABLE = new float[3][256];

    static {
        for (int c = 0; c < 3; c++) {
            float m = (float) MEAN[c];
            float s = (float) STD[c];
            for (int v = 0; v < 256; v++) {
                float x = (float) v / 255f;
                TABLE[c][v] = (x - m) / s;
            }
        }
    }

    private ImageNetNormalizer() {
    }

    /** Writes one tile (size×size RGB) as three normalised planes into {@code out} at {@code offset}. */
    public static void normalizeInto(RgbImage tile, float[] out, int offset) {
        int plane = tile.width() * tile.height();
        byte[] px = tile.pixels();
        float[] r = TABLE[0];
        float[] g = TABLE[1];
        float[] b = TABLE[2];
        for (int i = 0, p = 0; i < plane; i++, p += 3) {
            out[offset + i] = r[px[p] & 0xFF];
            out[offset + plane + i] = g[px[p + 1] & 0xFF];
            out[offset + 2 * plane + i] = b[px[p + 2] & 0xFF];
        }
    }
}
