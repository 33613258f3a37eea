package dev.vlmesh.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Q8_0 quantization against a plain transcription of llama.cpp's {@code quantize_row_q8_0_ref} written here (float32
 * arithmetic, {@code roundf} as round-half-away-from-zero computed in double, fp16 scale), byte for byte: random rows
 * of several lengths and scales, and edge cases (zeros, one large value, negative extremes, exact halves, tiny
 * blocks whose scale is an fp16 subnormal). Every dequantized element is within {@code d/2} of the input plus what
 * rounding the scale to fp16 moves it ({@code |q|·|d − fp16(d)|}).
 */
class Q8QuantTest {
    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** llama.cpp block_q8_0 of one 32-block, straight from the reference C. */
    record Block(short d16, byte[] qs, float d) {
    }

    static Block reference(float[] x, int off) {
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) {
            float v = x[off + j];
            amax = amax > Math.abs(v) ? amax : Math.abs(v);   // MAX(amax, fabsf(v))
        }
        float d = amax / ((1 << 7) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        byte[] qs = new byte[32];
        for (int j = 0; j < 32; j++) {
            float x0 = x[off + j] * id;
            double r = Math.signum(x0) * Math.floor(Math.abs((double) x0) + 0.5);   // roundf
            qs[j] = (byte) r;
        }
        return new Block(Float.floatToFloat16(d), qs, d);
    }

    @Test
    void randomRowsEqualTheReferenceByteForByte() {
        Random r = new Random(42);
        List<float[]> rows = new ArrayList<>();
        for (int n : new int[] {32, 64, 96, 160, 896, 4864}) {
            for (double scale : new double[] {1e-3, 0.02, 1, 300}) {
                float[] x = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (float) (r.nextGaussian() * scale);
                }
                rows.add(x);
            }
        }
        for (float[] x : rows) {
            checkRow(x);
        }
    }

    @Test
    void edgeCases() {
        float[] zeros = new float[64];
        checkRow(zeros);
        Q8 z = quantize(zeros);
        for (int k = 0; k < 64; k++) {
            assertEquals(0, z.q(k));
        }
        assertEquals(0, z.scaleBits(0));
        assertEquals(0, z.scaleBits(1));

        Random r = new Random(5);
        float[] oneLarge = new float[96];
        for (int i = 0; i < oneLarge.length; i++) {
            oneLarge[i] = (float) r.nextGaussian() * 0.01f;
        }
        oneLarge[40] = 1000f;                // block 1: everything else rounds to 0 or ±1 step of 7.87
        checkRow(oneLarge);
        assertEquals(127, quantize(oneLarge).q(40));

        float[] negative = new float[64];
        for (int i = 0; i < negative.length; i++) {
            negative[i] = -0.5f + i / 128f;
        }
        negative[3] = -3.5f;                 // the block's extreme is negative: it gets -127
        negative[33] = -Float.MAX_VALUE / 1e35f;
        checkRow(negative);
        assertEquals(-127, quantize(negative).q(3));
        assertEquals(-127, quantize(negative).q(33));

        // amax 127 → d = 1, id = 1: halves round away from zero (Math.round would take -2.5 to -2)
        float[] halves = new float[32];
        float[] h = {127f, 2.5f, -2.5f, 0.5f, -0.5f, 1.5f, -1.5f, 126.5f, -126.5f, 0.49999997f, -0.49999997f};
        System.arraycopy(h, 0, halves, 0, h.length);
        checkRow(halves);
        Q8 q = quantize(halves);
        int[] expect = {127, 3, -3, 1, -1, 2, -2, 127, -127, 0, 0};
        for (int i = 0; i < expect.length; i++) {
            assertEquals(expect[i], q.q(i), "element " + i + " = " + h[i]);
        }
        assertEquals(0x3C00, q.scaleBits(0));  // fp16 1.0

        // amax 1 → d = 1/127 = 0.007874016 → fp16 0x2008 (0.0078735…), q = roundf(x · 127.00000…)
        float[] unit = new float[32];
        unit[0] = 1f;
        unit[1] = 0.3f;
        unit[2] = -0.7f;
        checkRow(unit);
        Q8 u = quantize(unit);
        assertEquals(0x2008, u.scaleBits(0));
        assertEquals(127, u.q(0));
        assertEquals(38, u.q(1));
        assertEquals(-89, u.q(2));

        float[] tiny = new float[64];      // d ≈ 4e-8: an fp16 subnormal scale
        for (int i = 0; i < tiny.length; i++) {
            tiny[i] = (float) r.nextGaussian() * 1e-6f;
        }
        checkRow(tiny);
    }

    @Test
    void rowsThatAreNotWholeBlocksAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(4 * 112);
            WeightMatrix w = WeightMatrix.of(DType.F32, seg, 1, 112);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Q8Quant.quantize(w, arena));
            assertTrue(e.getMessage().contains("112"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> DType.Q8_0.rowBytes(112));
            assertThrows(UnsupportedOperationException.class, DType.Q8_0::byteSize);
        }
        assertTrue(DType.fromSafetensors("Q8_0").isEmpty());
        assertEquals(34, DType.Q8_0.rowBytes(32));
        assertEquals(4864 + 2 * 152, DType.Q8_0.rowBytes(4864));
    }

    @Test
    void matricesOfSeveralBlocksAndDtypesQuantizeRowByRow() {
        Random r = new Random(9);
        try (Arena arena = Arena.ofShared()) {
            int cols = 96;
            WeightMatrix a = floats(arena, DType.BF16, 5, cols, r);
            WeightMatrix b = floats(arena, DType.F32, 7, cols, r);
            WeightMatrix w = WeightMatrix.concatRows(a, b);
            WeightMatrix q = Q8Quant.quantize(w, arena);
            assertEquals(DType.Q8_0, q.blockDType(0));
            assertEquals(12 * DType.Q8_0.rowBytes(cols), q.byteSize());
            assertSame(q, Q8Quant.quantize(q, arena));
            float[] row = new float[cols];
            float[] back = new float[cols];
            for (int i = 0; i < 12; i++) {
                w.readRow(i, row, 0);
                q.readRow(i, back, 0);
                for (int k = 0; k < cols; k += 32) {
                    Block ref = reference(row, k);
                    for (int j = 0; j < 32; j++) {
                        float expect = Float.float16ToFloat(ref.d16()) * ref.qs()[j];
                        assertEquals(expect, back[k + j], "row " + i + " col " + (k + j));
                        assertEquals(expect, q.get(i, k + j));
                    }
                }
            }
            WeightMatrix slice = q.sliceRows(3, 9);
            for (int i = 0; i < 6; i++) {
                for (int k = 0; k < cols; k++) {
                    assertEquals(q.get(i + 3, k), slice.get(i, k));
                }
            }
        }
    }

    /** Quantizes one row and compares every byte and the dequantized values with the reference. */
    private static void checkRow(float[] x) {
        Q8 got = quantize(x);
        float[] back = new float[x.length];
        Q8Quant.dequantizeRow(got.seg, 0, x.length, back, 0);
        for (int b = 0; b < x.length / 32; b++) {
            Block ref = reference(x, b * 32);
            assertEquals(ref.d16(), (short) got.scaleBits(b), "scale of block " + b);
            float d16 = Float.float16ToFloat(ref.d16());
            for (int j = 0; j < 32; j++) {
                int k = b * 32 + j;
                assertEquals(ref.qs()[j], got.q(k), "quant " + k + " (x = " + x[k] + ")");
                assertEquals(d16 * ref.qs()[j], back[k], "dequantized " + k);
                double bound = ref.d() * (0.5 + 1e-6) + Math.abs(ref.qs()[j]) * Math.abs((double) ref.d() - d16);
                assertTrue(Math.abs((double) x[k] - back[k]) <= bound, "element " + k + ": " + x[k] + " → "
                        + back[k] + ", d " + ref.d());
            }
        }
    }

    record Q8(MemorySegment seg, int n) {
        int q(int k) {
            return seg.get(ValueLayout.JAVA_BYTE, k);
        }

        int scaleBits(int block) {
            return seg.get(SHORT_LE, n + 2L * block) & 0xFFFF;
        }
    }

    private static Q8 quantize(float[] x) {
        MemorySegment seg = MemorySegment.ofArray(new byte[(int) DType.Q8_0.rowBytes(x.length)]);
        Q8Quant.quantizeRow(x, 0, x.length, seg, 0);
        return new Q8(seg, x.length);
    }

    private static WeightMatrix floats(Arena arena, DType t, int rows, int cols, Random r) {
        MemorySegment seg = arena.allocate(rows * t.rowBytes(cols));
        for (long i = 0; i < (long) rows * cols; i++) {
            float v = (float) r.nextGaussian();
            if (t == DType.F32) {
                seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i * 4, v);
            } else {
                seg.set(SHORT_LE, i * 2, (short) (Float.floatToIntBits(v) >>> 16));
            }
        }
        return WeightMatrix.of(t, seg, rows, cols);
    }
}
