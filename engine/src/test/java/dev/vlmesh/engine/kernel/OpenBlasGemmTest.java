package dev.vlmesh.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.tensor.DType;
import dev.vlmesh.engine.tensor.Q8Quant;
import dev.vlmesh.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenBLAS GEMM backend against the Java kernels: equal within a relative 1e-4 (max |diff| / max |value|) on
 * random matrices of every dtype (f32 in place and widened, f16, bf16, Q8_0), several row blocks, many chunks, with
 * and without bias, 1 and 2 threads; the widening buffers are reused; a library that cannot be loaded leaves MatMul
 * on its Java kernels, with a log line saying so.
 */
class OpenBlasGemmTest {
    static final double TOLERANCE = 1e-4;
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
    void theLibraryLoadsAndSaysWhichCoreRuns() {
        OpenBlasGemm.Status s = OpenBlasGemm.status();
        assertTrue(s.available(), s.toString());
        assertNotNull(s.corename());
        assertTrue(s.config().startsWith("OpenBLAS"), s.config());
        System.out.println(s);
    }

    @Test
    void equalsTheJavaKernelsWithinTolerance() {
        int[][] shapes = {{8, 64, 24}, {13, 300, 45}, {37, 129, 130}, {256, 896, 1152}, {64, 520, 1000}};
        Random r = new Random(5);
        for (ComputePool pool : new ComputePool[] {one, two}) {
            OpenBlasGemm blas = OpenBlasGemm.create(pool);
            assertNotNull(blas);
            for (DType t : new DType[] {DType.BF16, DType.F16, DType.F32}) {
                for (int[] s : shapes) {
                    for (boolean aligned : new boolean[] {true, false}) {
                        try (Arena arena = Arena.ofShared()) {
                            WeightMatrix w = random(arena, t, s[2], s[1], aligned, r);
                            check(pool, blas, w, s[0], r.nextBoolean(), r,
                                    t + " " + s[0] + "x" + s[1] + "x" + s[2] + (aligned ? "" : " unaligned") + " "
                                            + pool.threads() + "T");
                        }
                    }
                }
            }
        }
    }

    @Test
    void rowBlocksSlicesAndLargeMatrices() {
        Random r = new Random(9);
        OpenBlasGemm blas = OpenBlasGemm.create(two);
        try (Arena arena = Arena.ofShared()) {
            WeightMatrix mixed = WeightMatrix.concatRows(random(arena, DType.BF16, 19, 48, false, r),
                    random(arena, DType.F32, 5, 48, true, r), random(arena, DType.F16, 40, 48, false, r),
                    random(arena, DType.F32, 7, 48, false, r));
            check(two, blas, mixed, 11, true, r, "mixed blocks");
            check(two, blas, mixed.sliceRows(10, 30), 12, false, r, "sliced");
            // 4864 columns: a widening group is 208 rows, so 896 output rows take five sgemm calls
            WeightMatrix deep = random(arena, DType.BF16, 896, 4864, false, r);
            check(two, blas, deep, 20, true, r, "several chunks");
            float[][] before = {blas.scratch(0), blas.scratch(1)};
            check(two, blas, random(arena, DType.BF16, 300, 4864, false, r), 9, false, r, "smaller, same depth");
            for (int t = 0; t < 2; t++) {
                assertTrue(before[t].length <= OpenBlasGemm.SCRATCH_FLOATS, "buffer " + before[t].length + " floats");
                if (before[t].length > 0) {
                    assertSame(before[t], blas.scratch(t), "thread " + t + ": the widening buffer is reused");
                }
            }
            assertTrue(before[0].length + before[1].length > 0);
            // Q8_0: dequantised as MatMul's GEMM does
            check(two, blas, Q8Quant.quantize(random(arena, DType.F32, 100, 256, true, r), arena), 30, true, r,
                    "Q8_0");
        }
    }

    @Test
    void aLibraryThatCannotLoadLeavesTheJavaKernels() {
        List<String> logged = new ArrayList<>();
        Logger jul = Logger.getLogger(OpenBlasGemm.class.getName());
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord rec) {
                logged.add(rec.getLevel() + " " + rec.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(h);
        String missing = "/nonexistent/vlmesh-test/libopenblas.so";
        System.setProperty(OpenBlasGemm.LIBRARY_PROPERTY, missing);
        try (ComputePool pool = new ComputePool(2, GemmBackend.OPENBLAS); Arena arena = Arena.ofShared()) {
            OpenBlasGemm.Status s = OpenBlasGemm.status();
            assertFalse(s.available());
            assertTrue(s.failure().contains(missing), s.failure());
            assertNull(OpenBlasGemm.create(pool));
            assertEquals(1, logged.size(), logged.toString());
            assertTrue(logged.get(0).startsWith("WARNING GEMM backend openblas: the native library could not be "
                    + "loaded") && logged.get(0).endsWith("using the Java GEMM kernels instead"), logged.get(0));
            // MatMul on an OPENBLAS pool: bit for bit the Java kernels
            Random r = new Random(1);
            WeightMatrix w = random(arena, DType.BF16, 70, 96, false, r);
            float[] x = randomVector(20 * 96, r);
            float[] a = new float[20 * 70];
            float[] b = new float[20 * 70];
            new MatMul(pool).linear(x, 20, w, null, a);
            new MatMul(two).linear(x, 20, w, null, b);
            assertArrayEquals(b, a);
            assertEquals(1, logged.size(), "logged once: " + logged);
        } finally {
            System.clearProperty(OpenBlasGemm.LIBRARY_PROPERTY);
            jul.removeHandler(h);
        }
    }

    @Test
    void matMulOnAnOpenBlasPoolUsesItForManyRowsOnly() {
        Random r = new Random(4);
        try (ComputePool pool = new ComputePool(2, GemmBackend.OPENBLAS); Arena arena = Arena.ofShared()) {
            WeightMatrix w = random(arena, DType.BF16, 130, 200, false, r);
            MatMul blas = new MatMul(pool);
            MatMul plain = new MatMul(two);
            for (int rows : new int[] {1, MatMul.GEMM_MIN_ROWS - 1, MatMul.GEMM_MIN_ROWS, 100}) {
                float[] x = randomVector(rows * 200, r);
                float[] a = new float[rows * 130];
                float[] b = new float[rows * 130];
                blas.linear(x, rows, w, null, a);
                plain.linear(x, rows, w, null, b);
                if (rows < MatMul.GEMM_MIN_ROWS) {
                    assertArrayEquals(b, a, "GEMV rows " + rows + ": the Java kernel");
                } else {
                    double rel = relDiff(a, b);
                    assertTrue(rel <= TOLERANCE, "rows " + rows + ": rel " + rel);
                    assertFalse(Arrays.equals(a, b), "rows " + rows + ": OpenBLAS ran (last bits differ)");
                }
            }
        }
    }

    private static void check(ComputePool pool, OpenBlasGemm blas, WeightMatrix w, int rows, boolean withBias,
                              Random r, String what) {
        float[] x = randomVector(rows * w.cols(), r);
        float[] bias = withBias ? randomVector(w.rows(), r) : null;
        float[] expected = new float[rows * w.rows()];
        new MatMul(pool).linear(x, rows, w, bias, expected);
        float[] actual = new float[rows * w.rows() + 5]; // a buffer larger than the product, as the models pass
        Arrays.fill(actual, Float.NaN);
        blas.linear(x, rows, w, bias, actual);
        for (int i = rows * w.rows(); i < actual.length; i++) {
            assertTrue(Float.isNaN(actual[i]), what + ": wrote past the product");
        }
        double rel = relDiff(Arrays.copyOf(actual, expected.length), expected);
        assertTrue(rel <= TOLERANCE, what + ": relative difference " + rel);
    }

    static double relDiff(float[] a, float[] ref) {
        double max = 0;
        double diff = 0;
        for (int i = 0; i < ref.length; i++) {
            max = Math.max(max, Math.abs(ref[i]));
            diff = Math.max(diff, Math.abs(a[i] - ref[i]));
        }
        return diff / max;
    }

    static float[] randomVector(int n, Random r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** A random [rows, cols] matrix of dtype t (f32, f16 or bf16), at a 64-byte-aligned address or 2 bytes past. */
    static WeightMatrix random(Arena arena, DType t, int rows, int cols, boolean aligned, Random r) {
        long bytes = (long) rows * cols * t.byteSize();
        int skew = aligned ? 0 : 2;
        MemorySegment seg = arena.allocate(bytes + skew, 64).asSlice(skew, bytes);
        ValueLayout.OfShort s16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < (long) rows * cols; i++) {
            float v = (float) r.nextGaussian();
            if (t == DType.F32) {
                seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i * 4, v);
            } else if (t == DType.F16) {
                seg.set(s16, i * 2, Float.floatToFloat16(v));
            } else if (t == DType.BF16) {
                seg.set(s16, i * 2, (short) (Float.floatToRawIntBits(v) >>> 16));
            } else {
                throw new IllegalArgumentException(t.toString());
            }
        }
        return WeightMatrix.of(t, seg, rows, cols);
    }
}
