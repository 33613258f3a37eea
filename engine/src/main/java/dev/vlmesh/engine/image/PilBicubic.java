package dev.vlmesh.engine.image;

/**
 * Bicubic resizing that reproduces Pillow's {@code Image.resize(size, Resampling.BICUBIC)} on 8-bit images bit for
 * bit. The facts it follows (Pillow's Resample.c): the cubic kernel with a = -0.5 and support 2, widened by the scale
 * when shrinking (antialiasing); per output pixel the taps span {@code [(int)(center - support + 0.5),
 * (int)(center + support + 0.5))} clipped to the image, with {@code center = (x + 0.5) * in / out}; weights are
 * normalised to sum 1, then turned into 22-bit fixed point rounding half away from zero; the accumulator starts at
 * 2^21 and the result is {@code acc >> 22} clamped to [0, 255]. The horizontal pass runs first (over just the rows
 * the vertical pass reads) into an 8-bit intermediate — except that Pillow 12 runs the vertical pass first for an image
 * more than 100 times taller than wide whose height shrinks (measured against Pillow on both sides of the boundary:
 * 3×300 and 2×201→8×202 go horizontal first, 3×301 and 2×201→8×200 vertical first). A pass is skipped when its size
 * does not change.
 */
public final class PilBicubic {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;
    private static final double A = -0.5;

    private PilBicubic() {
    }

    /** Taps of a 1-D resize: output i reads {@code kernel} weights {@code [i*ksize, i*ksize+count[i])} from first[i]. */
    record Taps(int ksize, int[] first, int[] count, int[] weights) {
    }

    static double filter(double x) {
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((A + 2.0) * x - (A + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * A;
        }
        return 0.0;
    }

    static Taps taps(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * ksize];
        double[] w = new double[ksize];
        double ss = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double v = filter((x + xmin - center + 0.5) * ss);
                w[x] = v;
                ww += v;
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? w[x] / ww : w[x];
                weights[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                        : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            first[xx] = xmin;
            count[xx] = xmax;
        }
        return new Taps(ksize, first, count, weights);
    }

    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** The image resized to outWidth×outHeight; the input itself when the size is unchanged (Pillow copies). */
    public static RgbImage resize(RgbImage in, int outWidth, int outHeight) {
        if (outWidth < 1 || outHeight < 1) {
            throw new IllegalArgumentException("target size " + outWidth + "x" + outHeight + " is empty");
        }
        boolean horizontal = outWidth != in.width();
        boolean vertical = outHeight != in.height();
        if (!horizontal && !vertical) {
            return in;
        }
        Taps vTaps = taps(in.height(), outHeight);
        if (horizontal && vertical && in.height() > 100L * in.width() && outHeight < in.height()) {
            RgbImage tall = verticalPass(in, vTaps, 0, outHeight);
            return horizontalPass(tall, outWidth, 0, outHeight);
        }
        RgbImage src = in;
        int rowOffset = 0;
        if (horizontal) {
            int yFirst = vertical ? vTaps.first()[0] : 0;
            int yLast = vertical ? vTaps.first()[outHeight - 1] + vTaps.count()[outHeight - 1] : in.height();
            src = horizontalPass(in, outWidth, yFirst, yLast);
            rowOffset = yFirst;
        }
        return vertical ? verticalPass(src, vTaps, rowOffset, outHeight) : src;
    }

    private static RgbImage horizontalPass(RgbImage in, int outWidth, int yFirst, int yLast) {
        Taps t = taps(in.width(), outWidth);
        int ksize = t.ksize();
        int[] first = t.first();
        int[] count = t.count();
        int[] k = t.weights();
        byte[] src = in.pixels();
        int rows = yLast - yFirst;
        byte[] out = new byte[outWidth * rows * 3];
        int inStride = in.width() * 3;
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < rows; y++) {
            int rowBase = (y + yFirst) * inStride;
            int o = y * outWidth * 3;
            for (int xx = 0; xx < outWidth; xx++) {
                int kBase = xx * ksize;
                int p = rowBase + first[xx] * 3;
                int n = count[xx];
                int r = half;
                int g = half;
                int b = half;
                for (int x = 0; x < n; x++, p += 3) {
                    int w = k[kBase + x];
                    r += (src[p] & 0xFF) * w;
                    g += (src[p + 1] & 0xFF) * w;
                    b += (src[p + 2] & 0xFF) * w;
                }
                out[o++] = (byte) clip8(r);
                out[o++] = (byte) clip8(g);
                out[o++] = (byte) clip8(b);
            }
        }
        return new RgbImage(outWidth, rows, out);
    }

    private static RgbImage verticalPass(RgbImage in, Taps t, int rowOffset, int outHeight) {
        int ksize = t.ksize();
        int[] first = t.first();
        int[] count = t.count();
        int[] k = t.weights();
        byte[] src = in.pixels();
        int stride = in.width() * 3;
        byte[] out = new byte[stride * outHeight];
        int[] acc = new int[stride];
        int half = 1 << (PRECISION_BITS - 1);
        for (int yy = 0; yy < outHeight; yy++) {
            java.util.Arrays.fill(acc, half);
            int kBase = yy * ksize;
            int y0 = first[yy] - rowOffset;
            for (int y = 0; y < count[yy]; y++) {
                int w = k[kBase + y];
                int p = (y0 + y) * stride;
                for (int i = 0; i < stride; i++) {
                    acc[i] += (src[p + i] & 0xFF) * w;
                }
            }
            int o = yy * stride;
            for (int i = 0; i < stride; i++) {
                out[o + i] = (byte) clip8(acc[i]);
            }
        }
        return new RgbImage(in.width(), outHeight, out);
    }
}
