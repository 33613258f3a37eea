package dev.vlmesh.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link DType#Q8_0} weights: llama.cpp's block_q8_0, quantized exactly as its {@code quantize_row_q8_0_ref}. A row
 * is cut into blocks of 32 consecutive elements; for each block {@code amax = max |x|}, {@code d = amax / 127},
 * {@code id = d != 0 ? 1/d : 0}, {@code q = roundf(x · id)} (round half away from zero, as C's {@code roundf}) and
 * the scale is stored as {@code fp16(d)} (round to nearest even, as F16C's {@code vcvtps2ph}). A value reads back as
 * {@code float(fp16 d) · q}, which is exact in float32 (an 11-bit mantissa times a 7-bit integer).
 *
 * <p>Row layout (34 bytes per block, the same size as llama.cpp's interleaved blocks, but split so that vector loads
 * of quants are contiguous): the row's {@code cols} int8 quants first, then its {@code cols/32} scales as
 * little-endian fp16. Rows follow each other without padding, so a row of a [rows, cols] matrix starts at
 * {@code row · DType.Q8_0.rowBytes(cols)} and slicing rows stays a plain slice.
 */
public final class Q8Quant {
    /** Elements per block (llama.cpp's QK8_0). */
    public static final int BLOCK = 32;

    private Q8Quant() {
    }

    /** Whether a row of {@code cols} elements can be stored as Q8_0 (a whole number of blocks). */
    public static boolean fits(long cols) {
        return cols > 0 && cols % BLOCK == 0;
    }

    /**
     * A Q8_0 copy of {@code w} in memory from {@code arena} (which must be shared or global: kernels read it from
     * several threads). A matrix that is already Q8_0 is returned as is.
     *
     * @throws IllegalArgumentException if {@code w.cols()} is not a multiple of 32
     */
    public static WeightMatrix quantize(WeightMatrix w, Arena arena) {
        boolean all = w.blocks() > 0;
        for (int b = 0; b < w.blocks(); b++) {
            all &= w.blockDType(b) == DType.Q8_0;
        }
        if (all) {
            return w;
        }
        int cols = w.cols();
        if (!fits(cols)) {
            throw new IllegalArgumentException("Q8_0 needs rows of a multiple of " + BLOCK + " elements, got " + cols);
        }
        long rowBytes = DType.Q8_0.rowBytes(cols);
        MemorySegment seg = arena.allocate(Math.max(1, rowBytes * w.rows()), 64).asSlice(0, rowBytes * w.rows());
        float[] row = new float[cols];
        for (int r = 0; r < w.rows(); r++) {
            w.readRow(r, row, 0);
            quantizeRow(row, 0, cols, seg, r * rowBytes);
        }
        return WeightMatrix.of(DType.Q8_0, seg, w.rows(), cols);
    }

    /**
     * Quantizes {@code x[off, off + n)} into one Q8_0 row at {@code dst[dstOff, dstOff + rowBytes(n))} (quants, then
     * scales).
     */
    public static void quantizeRow(float[] x, int off, int n, MemorySegment dst, long dstOff) {
        if (!fits(n)) {
            throw new IllegalArgumentException("Q8_0 needs rows of a multiple of " + BLOCK + " elements, got " + n);
        }
        long scales = dstOff + n;
        for (int b = 0; b < n / BLOCK; b++) {
            int base = off + b * BLOCK;
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                amax = Math.max(amax, Math.abs(x[base + j]));
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            short d16 = Float.floatToFloat16(d);
            if (Float.isInfinite(Float.float16ToFloat(d16)) || !Float.isFinite(amax)) {
                throw new IllegalArgumentException("block at element " + (b * BLOCK) + " has max |x| = " + amax
                        + ", beyond the fp16 scale of Q8_0");
            }
            dst.set(WeightMatrix.SHORT_LE, scales + 2L * b, d16);
            for (int j = 0; j < BLOCK; j++) {
                dst.set(ValueLayout.JAVA_BYTE, dstOff + (long) b * BLOCK + j, (byte) roundf(x[base + j] * id));
            }
        }
    }

    /** One Q8_0 row of {@code n} elements at {@code src[off…]} widened into {@code dst[dstOff, dstOff + n)}. */
    public static void dequantizeRow(MemorySegment src, long off, int n, float[] dst, int dstOff) {
        long scales = off + n;
        for (int b = 0; b < n / BLOCK; b++) {
            float d = Float.float16ToFloat(src.get(WeightMatrix.SHORT_LE, scales + 2L * b));
            for (int j = 0; j < BLOCK; j++) {
                int k = b * BLOCK + j;
                dst[dstOff + k] = d * src.get(ValueLayout.JAVA_BYTE, off + k);
            }
        }
    }

    /** Element {@code col} of the Q8_0 row at {@code src[off…]} of {@code n} elements. */
    public static float get(MemorySegment src, long off, int n, int col) {
        float d = Float.float16ToFloat(src.get(WeightMatrix.SHORT_LE, off + n + 2L * (col / BLOCK)));
        return d * src.get(ValueLayout.JAVA_BYTE, off + col);
    }

    /** C's {@code roundf}: to nearest, halfway cases away from zero (Java's {@code Math.round} rounds them up). */
    static float roundf(float v) {
        float a = Math.abs(v);
        float r = (float) Math.floor(a);
        if (a - r >= 0.5f) {
            r += 1f;
        }
        return Math.copySign(r, v);
    }
}
