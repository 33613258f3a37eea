package dev.vlmesh.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.safetensors.SafetensorsWriter;
import dev.vlmesh.engine.tensor.DType;
import dev.vlmesh.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GEMM and GEMV against a double-precision loop over the widened weights, for every dtype, shapes that hit every
 * edge (rows not a multiple of the tile, columns not a multiple of the panel, depths with scalar tails, several KC
 * slabs), matrices made of several row blocks with different dtypes, and thread counts that must not change a
 * single bit of the result.
 */
class MatMulTest {
    private static ComputePool one;
    private static ComputePool three;

    @BeforeAll
    static void pools() {
        one = new ComputePool(1);
        three = new ComputePool(3);
    }

    @AfterAll
    static void close() {
        one.close();
        three.close();
    }

    @Test
    void gemmAndGemvMatchDoublePrecisionForEveryDtypeAndEdge() {
        int[][] shapes = {{1, 1, 1}, {1, 37, 5}, {3, 64, 33}, {7, 17, 70}, {8, 33, 31}, {13, 300, 45},
                {29, 100, 97}, {64, 520, 64}, {9, 16, 160}};
        Random r = new Random(7);
        for (DType t : DType.values()) {
            if (t.isQuantized()) {
                continue; // Q8_0 needs whole 32-element blocks: Q8MatMulTest
            }
            for (int[] s : shapes) {
                int rows = s[0];
                int in = s[1];
                int out = s[2];
                try (Arena arena = Arena.ofShared()) {
                    WeightMatrix w = random(arena, t, out, in, r);
                    float[] x = randomVector(rows * in, r);
                    float[] bias = r.nextBoolean() ? randomVector(out, r) : null;
                    float[] y = new float[rows * out];
                    new MatMul(three).linear(x, rows, w, bias, y);
                    assertClose(reference(x, rows, w, bias), y, t + " " + rows + "x" + in + "x" + out);
                }
            }
        }
    }

    @Test
    void rowBlocksOfDifferentDtypesActAsOneMatrix() {
        Random r = new Random(3);
        try (Arena arena = Arena.ofShared()) {
            WeightMatrix w = WeightMatrix.concatRows(random(arena, DType.BF16, 19, 48, r),
                    random(arena, DType.F32, 5, 48, r), random(arena, DType.F16, 40, 48, r));
            for (int rows : new int[] {1, 2, 11}) {
                float[] x = randomVector(rows * 48, r);
                float[] y = new float[rows * w.rows()];
                new MatMul(one).linear(x, rows, w, null, y);
                assertClose(reference(x, rows, w, null), y, "mixed blocks, rows " + rows);
            }
            WeightMatrix slice = w.sliceRows(10, 30);
            float[] x = randomVector(12 * 48, r);
            float[] y = new float[12 * 20];
            new MatMul(one).linear(x, 12, slice, null, y);
            assertClose(reference(x, 12, slice, null), y, "sliced");
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Random r = new Random(11);
        try (Arena arena = Arena.ofShared()) {
            WeightMatrix w = random(arena, DType.BF16, 150, 300, r);
            for (int rows : new int[] {1, 5, 40}) {
                float[] x = randomVector(rows * 300, r);
                float[] a = new float[rows * 150];
                float[] b = new float[rows * 150];
                new MatMul(one).linear(x, rows, w, null, a);
                new MatMul(three).linear(x, rows, w, null, b);
                assertArrayEquals(a, b, "rows " + rows);
            }
        }
    }

    static void assertClose(double[] expected, float[] actual, String what) {
        double max = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(diff <= 1e-5 * Math.max(max, 1e-3), what + ": max abs diff " + diff + " (max " + max + ")");
    }

    static double[] reference(float[] x, int rows, WeightMatrix w, float[] bias) {
        double[] y = new double[rows * w.rows()];
        float[] dense = new float[w.rows() * w.cols()];
        for (int j = 0; j < w.rows(); j++) {
            w.readRow(j, dense, j * w.cols());
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < w.rows(); j++) {
                double s = bias == null ? 0 : bias[j];
                for (int k = 0; k < w.cols(); k++) {
                    s += (double) x[r * w.cols() + k] * dense[j * w.cols() + k];
                }
                y[r * w.rows() + j] = s;
            }
        }
        return y;
    }

    static float[] randomVector(int n, Random r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** A random [rows, cols] matrix of dtype t at an odd (unaligned) address, as in a safetensors file. */
    static WeightMatrix random(Arena arena, DType t, int rows, int cols, Random r) {
        long bytes = (long) rows * cols * t.byteSize();
        MemorySegment seg = arena.allocate(bytes + 2, 8).asSlice(2, bytes);
        for (long i = 0; i < (long) rows * cols; i++) {
            float v = (float) r.nextGaussian();
            switch (t) {
                case F32 -> seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i * 4, v);
                case F16 -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i * 2,
                        Float.floatToFloat16(i % 97 == 0 ? v * 1e-6f : v));
                case BF16 -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i * 2,
                        SafetensorsWriter.toBf16(v));
            }
        }
        return WeightMatrix.of(t, seg, rows, cols);
    }
}
