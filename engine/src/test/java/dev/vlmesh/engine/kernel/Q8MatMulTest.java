package dev.vlmesh.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.tensor.DType;
import dev.vlmesh.engine.tensor.Q8Quant;
import dev.vlmesh.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MatMul over {@link DType#Q8_0} weights: GEMV (1–7 rows) and GEMM (≥ 8 rows) against a double-precision product
 * of the dequantized weights (1e-5 of the largest output, as {@link MatMulTest}), for depths of one block to several
 * KC slabs with a partial last slab, odd output counts, 1 and 2 threads. Also exact properties: the GEMM equals the
 * F32 GEMM over the dequantized matrix bit for bit (dequantized values are exact floats); every row of a 2–7-row
 * GEMV equals the 1-row GEMV of that row bit for bit (batched decode gets the tokens of decoding alone); the thread
 * count changes no bit; a warm GEMV allocates nothing.
 */
class Q8MatMulTest {
    private static ComputePool one;
    private static ComputePool two;

    @BeforeAll
    static void pools() {
        one = new ComputePool(1);
        two = new ComputePool(2);
    }

    @AfterAll
    static void close() {
        one.close();
        two.close();
    }

    @Test
    void gemvAndGemmMatchTheDequantizedProduct() {
        int[][] shapes = {{1, 32, 1}, {1, 64, 33}, {3, 96, 45}, {2, 288, 97}, {7, 544, 31}, {1, 544, 150},
                {8, 32, 33}, {8, 288, 45}, {13, 544, 97}, {29, 96, 150}, {40, 800, 17}};
        Random r = new Random(17);
        for (int[] s : shapes) {
            int rows = s[0];
            int in = s[1];
            int out = s[2];
            try (Arena arena = Arena.ofShared()) {
                WeightMatrix w = quantized(arena, out, in, r);
                float[] x = MatMulTest.randomVector(rows * in, r);
                float[] bias = r.nextBoolean() ? MatMulTest.randomVector(out, r) : null;
                double[] ref = MatMulTest.reference(x, rows, w, bias);
                float[] y1 = new float[rows * out];
                float[] y2 = new float[rows * out];
                new MatMul(one).linear(x, rows, w, bias, y1);
                new MatMul(two).linear(x, rows, w, bias, y2);
                String what = rows + "x" + in + "x" + out;
                MatMulTest.assertClose(ref, y1, what + ", 1 thread");
                assertArrayEquals(y1, y2, what + ": 1 vs 2 threads");
                if (rows >= MatMul.GEMM_MIN_ROWS) {
                    float[] yf = new float[rows * out];
                    new MatMul(two).linear(x, rows, dequantized(arena, w), bias, yf);
                    assertArrayEquals(yf, y1, what + ": Q8_0 GEMM vs F32 GEMM over the dequantized weights");
                }
                // each row alone (GEMV, 1 row): equal bits for a GEMV batch, close for a GEMM
                float[] alone = new float[rows * out];
                float[] row = new float[out];
                for (int i = 0; i < rows; i++) {
                    new MatMul(two).linear(Arrays.copyOfRange(x, i * in, (i + 1) * in), 1, w, bias, row);
                    System.arraycopy(row, 0, alone, i * out, out);
                }
                if (rows < MatMul.GEMM_MIN_ROWS) {
                    assertArrayEquals(alone, y1, what + ": batched GEMV rows vs each row alone");
                } else {
                    MatMulTest.assertClose(toDouble(alone), y1, what + ": GEMM vs GEMV");
                }
            }
        }
    }

    @Test
    void q8RowBlocksMixWithStoredOnes() {
        Random r = new Random(23);
        try (Arena arena = Arena.ofShared()) {
            WeightMatrix q = quantized(arena, 40, 64, r);
            WeightMatrix w = WeightMatrix.concatRows(q.sliceRows(5, 25), MatMulTest.random(arena, DType.BF16, 9, 64, r),
                    quantized(arena, 11, 64, r));
            assertEquals(20 * 68 + 9 * 128 + 11 * 68, w.byteSize());
            for (int rows : new int[] {1, 3, 12}) {
                float[] x = MatMulTest.randomVector(rows * 64, r);
                float[] y = new float[rows * w.rows()];
                new MatMul(two).linear(x, rows, w, null, y);
                MatMulTest.assertClose(MatMulTest.reference(x, rows, w, null), y, "mixed blocks, rows " + rows);
            }
        }
    }

    @Test
    void aWarmGemvAllocatesNothing() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Random r = new Random(29);
        try (Arena arena = Arena.ofShared()) {
            WeightMatrix w = quantized(arena, 33, 288, r);
            MatMul mm = new MatMul(one);
            for (int rows : new int[] {1, 3}) {
                float[] x = MatMulTest.randomVector(rows * 288, r);
                float[] y = new float[rows * 33];
                long allocated = -1;
                for (int i = 0; i < 50_000 && allocated != 0; i++) {
                    long before = mx.getCurrentThreadAllocatedBytes();
                    mm.linear(x, rows, w, null, y);
                    allocated = i < 1000 ? -1 : mx.getCurrentThreadAllocatedBytes() - before;
                }
                assertEquals(0, allocated, rows + " rows: a warm GEMV still allocates");
            }
        }
    }

    /** A random [rows, cols] matrix quantized to Q8_0, with a few blocks at very different scales. */
    static WeightMatrix quantized(Arena arena, int rows, int cols, Random r) {
        float[] v = new float[cols];
        long rowBytes = DType.Q8_0.rowBytes(cols);
        MemorySegment seg = arena.allocate(rows * rowBytes + 3, 8).asSlice(3, rows * rowBytes);
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < cols; k++) {
                double scale = switch ((i * 7 + k / 32) % 5) {
                    case 0 -> 1e-3;
                    case 1 -> 30;
                    default -> 1;
                };
                v[k] = (float) (r.nextGaussian() * scale);
            }
            Q8Quant.quantizeRow(v, 0, cols, seg, i * rowBytes);
        }
        return WeightMatrix.of(DType.Q8_0, seg, rows, cols);
    }

    private static WeightMatrix dequantized(Arena arena, WeightMatrix w) {
        MemorySegment seg = arena.allocate((long) w.rows() * w.cols() * 4, 64);
        float[] row = new float[w.cols()];
        for (int i = 0; i < w.rows(); i++) {
            w.readRow(i, row, 0);
            MemorySegment.copy(row, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                    (long) i * w.cols() * 4, w.cols());
        }
        return WeightMatrix.of(DType.F32, seg, w.rows(), w.cols());
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
