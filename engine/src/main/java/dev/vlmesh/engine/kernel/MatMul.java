package dev.vlmesh.engine.kernel;

import dev.vlmesh.engine.tensor.DType;
import dev.vlmesh.engine.tensor.Q8Quant;
import dev.vlmesh.engine.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code y = x · Wᵀ + b} for row-major activations {@code x [rows, in]} and a stored weight {@code W [out, in]}.
 *
 * <p>Many rows (prefill, vision): a packed GEMM. {@code x} is repacked once into {@link #MR}-row strips; each
 * thread takes groups of {@link #NR}-column panels of W, widens one {@link #KC}-deep slab of them into a small
 * float buffer that stays in cache, and sweeps every row strip over it with an MR×NR register-tile kernel. Few rows
 * (decode): a streaming GEMV that widens each weight row in registers and dots it with every x row while the row is
 * still in L1. Weights are never widened as a whole. On a pool built with {@link GemmBackend#OPENBLAS} the many-row
 * case runs OpenBLAS's sgemm instead ({@link OpenBlasGemm}; its results differ from these kernels in the last bits).
 *
 * <p>{@link DType#Q8_0} weights: the GEMM widens a slab to {@code d·q} (exact in float, so a Q8_0 GEMM equals the
 * float GEMM over the dequantized matrix bit for bit); the GEMV sums {@code q·x} over each 32-block in vectors and
 * multiplies the block's sum by its scale ({@link #dotQ8}). With 2–7 rows the weight row's quants are widened once
 * into a per-thread buffer and every x row is dotted with it in exactly the single-row order, so a row of a batch
 * gets the bits it gets alone.
 *
 * <p>The summation order of every output element is fixed by the kernel, not by the thread count or which thread
 * ran it, so results are reproducible. An instance keeps per-job state and scratch buffers: use one per thread of
 * control (a workspace), never concurrently. After warm-up it allocates nothing.
 */
public final class MatMul {
    static final VectorSpecies<Float> F = Widen.F;
    static final int L = Widen.L;
    /**
     * Rows of x per register tile: 6 (12 accumulators) with AVX-512's 32 vector registers, 4 (8 accumulators) with
     * AVX2's 16, where C2 spills a 6-row tile and runs it at half the speed.
     */
    static final int MR = F.vectorBitSize() >= 512 ? 6 : 4;
    /** Columns (output features) per register tile: two vectors. */
    static final int NR = 2 * L;
    /** Depth of one packed weight slab. */
    static final int KC = 256;
    /**
     * Most NR-panels per work chunk of the GEMM: their widened slab (KC × 16 × NR floats, 256 KB on AVX2) stays in
     * L2 while every row strip of x passes over it, so each strip is fetched once per 16 panels, not per panel.
     */
    static final int PANELS = 16;
    /** Below this many rows the GEMV path is used. */
    public static final int GEMM_MIN_ROWS = 8;

    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final ComputePool pool;
    /** The OpenBLAS GEMM when the pool asks for it ({@link GemmBackend#OPENBLAS}) and it loaded; null: Java. */
    private final OpenBlasGemm blas;
    private float[] packedA = new float[0];
    /** x rows split into even and odd elements, for the bf16 GEMV (see {@link #dotBf16}). */
    private float[] xEven = new float[0];
    private float[] xOdd = new float[0];
    private final float[][] packedB;
    private final float[][] tile;
    private final float[][] rowBuf;
    /** Per thread: one Q8_0 weight row's quants as floats and its block scales (multi-row GEMV). */
    private final float[][] q8Quants;
    private final float[][] q8Scales;
    /** Per thread: L lanes for the Q8_0 dot's final sum. */
    private final float[][] lanes;

    private float[] x;
    private float[] y;
    private float[] bias;
    private WeightMatrix w;
    private int rows;
    private int in;
    private int out;
    private int rowBlocks;
    private int panelsPerGroup;
    private int gemvRowsPerChunk;

    private final ComputePool.Task packATask = this::packAChunk;
    private final ComputePool.Task gemmTask = this::gemmChunk;
    private final ComputePool.Task gemvTask = this::gemvChunk;

    public MatMul(ComputePool pool) {
        this.pool = pool;
        this.blas = pool.gemm() == GemmBackend.OPENBLAS ? OpenBlasGemm.create(pool) : null;
        int t = pool.threads();
        packedB = new float[t][PANELS * KC * NR];
        tile = new float[t][MR * NR];
        rowBuf = new float[t][KC];
        q8Quants = new float[t][0];
        q8Scales = new float[t][0];
        lanes = new float[t][L];
    }

    public ComputePool pool() {
        return pool;
    }

    /**
     * {@code y[r, 0:out) = x[r, 0:in) · Wᵀ + bias} for r in [0, rows), where in = W.cols(), out = W.rows(), both
     * arrays dense row-major. {@code bias} may be null.
     */
    public void linear(float[] x, int rows, WeightMatrix w, float[] bias, float[] y) {
        int in = w.cols();
        int out = w.rows();
        if ((long) rows * in > x.length || (long) rows * out > y.length) {
            throw new IllegalArgumentException("buffers too small for [" + rows + ", " + in + "] x [" + out + ", "
                    + in + "]ᵀ");
        }
        this.x = x;
        this.y = y;
        this.bias = bias;
        this.w = w;
        this.rows = rows;
        this.in = in;
        this.out = out;
        try {
            if (rows >= GEMM_MIN_ROWS && blas != null) {
                blas.linear(x, rows, w, bias, y);
            } else if (rows >= GEMM_MIN_ROWS) {
                rowBlocks = (rows + MR - 1) / MR;
                int need = rowBlocks * MR * in;
                if (packedA.length < need) {
                    packedA = new float[need];
                }
                pool.run((rowBlocks + 7) / 8, packATask);
                // enough chunks to keep every thread busy (≥ 4 per thread), as large as the slab buffer allows
                int panels = (out + NR - 1) / NR;
                panelsPerGroup = Math.max(1, Math.min(PANELS, panels / (4 * pool.threads())));
                int groups = (panels + panelsPerGroup - 1) / panelsPerGroup;
                pool.run(groups, gemmTask);
            } else {
                int half = (in + 1) / 2;
                if (xEven.length < rows * half) {
                    xEven = new float[rows * half];
                    xOdd = new float[rows * half];
                }
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < in / 2; j++) {
                        xEven[r * half + j] = x[r * in + 2 * j];
                        xOdd[r * half + j] = x[r * in + 2 * j + 1];
                    }
                }
                if (rows > 1 && q8Quants[0].length < in && hasQ8(w)) {
                    for (int t = 0; t < q8Quants.length; t++) {
                        q8Quants[t] = new float[in];
                        q8Scales[t] = new float[in / Q8Quant.BLOCK];
                    }
                }
                gemvRowsPerChunk = Math.max(8, (out + pool.threads() * 16 - 1) / (pool.threads() * 16));
                pool.run((out + gemvRowsPerChunk - 1) / gemvRowsPerChunk, gemvTask);
            }
        } finally {
            this.x = null;
            this.y = null;
            this.bias = null;
            this.w = null;
        }
    }

    private static boolean hasQ8(WeightMatrix w) {
        for (int b = 0; b < w.blocks(); b++) {
            if (w.blockDType(b) == DType.Q8_0) {
                return true;
            }
        }
        return false;
    }

    /** Grows the internal packing buffer up front so that later calls up to this size do not allocate. */
    public void reserve(int rows, int in) {
        int need = ((rows + MR - 1) / MR) * MR * in;
        if (packedA.length < need) {
            packedA = new float[need];
        }
    }

    // ---------------------------------------------------------------- GEMM

    private void packAChunk(int chunk, int thread) {
        int rb1 = Math.min(rowBlocks, chunk * 8 + 8);
        for (int rb = chunk * 8; rb < rb1; rb++) {
            int base = rb * MR * in;
            for (int r = 0; r < MR; r++) {
                int row = rb * MR + r;
                if (row < rows) {
                    int src = row * in;
                    for (int k = 0; k < in; k++) {
                        packedA[base + k * MR + r] = x[src + k];
                    }
                } else {
                    for (int k = 0; k < in; k++) {
                        packedA[base + k * MR + r] = 0f;
                    }
                }
            }
        }
    }

    private void gemmChunk(int group, int thread) {
        int col0 = group * panelsPerGroup * NR;
        int col1 = Math.min(out, col0 + panelsPerGroup * NR);
        for (int r = 0; r < rows; r++) {
            int o = r * out;
            for (int j = col0; j < col1; j++) {
                y[o + j] = bias == null ? 0f : bias[j];
            }
        }
        float[] pb = packedB[thread];
        float[] tl = tile[thread];
        int panels = (col1 - col0 + NR - 1) / NR;
        for (int kc = 0; kc < in; kc += KC) {
            int kl = Math.min(KC, in - kc);
            for (int p = 0; p < panels; p++) {
                packPanel(pb, p * KC * NR, col0 + p * NR, kc, kl, rowBuf[thread]);
            }
            for (int rb = 0; rb < rowBlocks; rb++) {
                int r0 = rb * MR;
                int rv = Math.min(MR, rows - r0);
                int ao = rb * MR * in + kc * MR;
                for (int p = 0; p < panels; p++) {
                    int c0 = col0 + p * NR;
                    int cv = Math.min(NR, col1 - c0);
                    if (rv == MR && cv == NR) {
                        tile(packedA, ao, pb, p * KC * NR, kl, y, r0 * out + c0, out);
                    } else {
                        for (int r = 0; r < MR; r++) {
                            for (int c = 0; c < NR; c++) {
                                tl[r * NR + c] = r < rv && c < cv ? y[(r0 + r) * out + c0 + c] : 0f;
                            }
                        }
                        tile(packedA, ao, pb, p * KC * NR, kl, tl, 0, NR);
                        for (int r = 0; r < rv; r++) {
                            System.arraycopy(tl, r * NR, y, (r0 + r) * out + c0, cv);
                        }
                    }
                }
            }
        }
    }

    /** Widens W rows [j0, j0+NR) × columns [kc, kc+kl) into pb[off + k·NR + jj] (zero rows past the end). */
    private void packPanel(float[] pb, int off, int j0, int kc, int kl, float[] buf) {
        for (int jj = 0; jj < NR; jj++) {
            int j = j0 + jj;
            if (j >= out) {
                for (int k = 0; k < kl; k++) {
                    pb[off + k * NR + jj] = 0f;
                }
                continue;
            }
            widenRow(w, j, kc, kl, buf);
            for (int k = 0; k < kl; k++) {
                pb[off + k * NR + jj] = buf[k];
            }
        }
    }

    /** W[j, kc:kc+kl) as floats into dst[0:kl). For Q8_0, kc and kl are multiples of 32 (KC is, and so is in). */
    static void widenRow(WeightMatrix w, int j, int kc, int kl, float[] dst) {
        int b = w.blockOf(j);
        MemorySegment seg = w.blockSegment(b);
        DType t = w.blockDType(b);
        long rowOff = (j - w.blockStartRow(b)) * t.rowBytes(w.cols());
        int k = 0;
        switch (t) {
            case BF16 -> {
                long off = rowOff + 2L * kc;
                for (; k + L <= kl; k += L) {
                    Widen.bf16(seg, off + 2L * k).intoArray(dst, k);
                }
                for (; k < kl; k++) {
                    dst[k] = Float.intBitsToFloat(seg.get(SHORT_LE, off + 2L * k) << 16);
                }
            }
            case F16 -> {
                long off = rowOff + 2L * kc;
                for (; k + L <= kl; k += L) {
                    Widen.f16(seg, off + 2L * k).intoArray(dst, k);
                }
                for (; k < kl; k++) {
                    dst[k] = Float.float16ToFloat(seg.get(SHORT_LE, off + 2L * k));
                }
            }
            case F32 -> MemorySegment.copy(seg, FLOAT_LE, rowOff + 4L * kc, dst, 0, kl);
            case Q8_0 -> {
                long scales = rowOff + w.cols() + 2L * (kc / Q8Quant.BLOCK);
                long quants = rowOff + kc;
                for (int blk = 0; k < kl; k += Q8Quant.BLOCK, blk++) {
                    FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(seg.get(SHORT_LE, scales + 2L * blk)));
                    for (int c = 0; c < Q8Quant.BLOCK; c += L) {
                        q8At(seg, quants + k, c).mul(d).intoArray(dst, k + c);
                    }
                }
            }
        }
    }

    /** C[MR, NR] (row stride ldc) += A-strip · B-panel over kl steps. */
    static void tile(float[] a, int ao, float[] b, int bo, int kl, float[] c, int co, int ldc) {
        if (MR == 6) {
            kernel6(a, ao, b, bo, kl, c, co, ldc);
        } else {
            kernel4(a, ao, b, bo, kl, c, co, ldc);
        }
    }

    static void kernel4(float[] a, int ao, float[] b, int bo, int kl, float[] c, int co, int ldc) {
        int c1 = co + ldc;
        int c2 = c1 + ldc;
        int c3 = c2 + ldc;
        FloatVector r00 = FloatVector.fromArray(F, c, co);
        FloatVector r01 = FloatVector.fromArray(F, c, co + L);
        FloatVector r10 = FloatVector.fromArray(F, c, c1);
        FloatVector r11 = FloatVector.fromArray(F, c, c1 + L);
        FloatVector r20 = FloatVector.fromArray(F, c, c2);
        FloatVector r21 = FloatVector.fromArray(F, c, c2 + L);
        FloatVector r30 = FloatVector.fromArray(F, c, c3);
        FloatVector r31 = FloatVector.fromArray(F, c, c3 + L);
        for (int k = 0; k < kl; k++) {
            int bk = bo + k * NR;
            int ak = ao + k * 4;
            FloatVector b0 = FloatVector.fromArray(F, b, bk);
            FloatVector b1 = FloatVector.fromArray(F, b, bk + L);
            FloatVector av = FloatVector.broadcast(F, a[ak]);
            r00 = av.fma(b0, r00);
            r01 = av.fma(b1, r01);
            av = FloatVector.broadcast(F, a[ak + 1]);
            r10 = av.fma(b0, r10);
            r11 = av.fma(b1, r11);
            av = FloatVector.broadcast(F, a[ak + 2]);
            r20 = av.fma(b0, r20);
            r21 = av.fma(b1, r21);
            av = FloatVector.broadcast(F, a[ak + 3]);
            r30 = av.fma(b0, r30);
            r31 = av.fma(b1, r31);
        }
        r00.intoArray(c, co);
        r01.intoArray(c, co + L);
        r10.intoArray(c, c1);
        r11.intoArray(c, c1 + L);
        r20.intoArray(c, c2);
        r21.intoArray(c, c2 + L);
        r30.intoArray(c, c3);
        r31.intoArray(c, c3 + L);
    }

    static void kernel6(float[] a, int ao, float[] b, int bo, int kl, float[] c, int co, int ldc) {
        int c1 = co + ldc;
        int c2 = c1 + ldc;
        int c3 = c2 + ldc;
        int c4 = c3 + ldc;
        int c5 = c4 + ldc;
        FloatVector r00 = FloatVector.fromArray(F, c, co);
        FloatVector r01 = FloatVector.fromArray(F, c, co + L);
        FloatVector r10 = FloatVector.fromArray(F, c, c1);
        FloatVector r11 = FloatVector.fromArray(F, c, c1 + L);
        FloatVector r20 = FloatVector.fromArray(F, c, c2);
        FloatVector r21 = FloatVector.fromArray(F, c, c2 + L);
        FloatVector r30 = FloatVector.fromArray(F, c, c3);
        FloatVector r31 = FloatVector.fromArray(F, c, c3 + L);
        FloatVector r40 = FloatVector.fromArray(F, c, c4);
        FloatVector r41 = FloatVector.fromArray(F, c, c4 + L);
        FloatVector r50 = FloatVector.fromArray(F, c, c5);
        FloatVector r51 = FloatVector.fromArray(F, c, c5 + L);
        for (int k = 0; k < kl; k++) {
            int bk = bo + k * NR;
            int ak = ao + k * 6;
            FloatVector b0 = FloatVector.fromArray(F, b, bk);
            FloatVector b1 = FloatVector.fromArray(F, b, bk + L);
            FloatVector av = FloatVector.broadcast(F, a[ak]);
            r00 = av.fma(b0, r00);
            r01 = av.fma(b1, r01);
            av = FloatVector.broadcast(F, a[ak + 1]);
            r10 = av.fma(b0, r10);
            r11 = av.fma(b1, r11);
            av = FloatVector.broadcast(F, a[ak + 2]);
            r20 = av.fma(b0, r20);
            r21 = av.fma(b1, r21);
            av = FloatVector.broadcast(F, a[ak + 3]);
            r30 = av.fma(b0, r30);
            r31 = av.fma(b1, r31);
            av = FloatVector.broadcast(F, a[ak + 4]);
            r40 = av.fma(b0, r40);
            r41 = av.fma(b1, r41);
            av = FloatVector.broadcast(F, a[ak + 5]);
            r50 = av.fma(b0, r50);
            r51 = av.fma(b1, r51);
        }
        r00.intoArray(c, co);
        r01.intoArray(c, co + L);
        r10.intoArray(c, c1);
        r11.intoArray(c, c1 + L);
        r20.intoArray(c, c2);
        r21.intoArray(c, c2 + L);
        r30.intoArray(c, c3);
        r31.intoArray(c, c3 + L);
        r40.intoArray(c, c4);
        r41.intoArray(c, c4 + L);
        r50.intoArray(c, c5);
        r51.intoArray(c, c5 + L);
    }

    // ---------------------------------------------------------------- GEMV

    private void gemvChunk(int chunk, int thread) {
        int j0 = chunk * gemvRowsPerChunk;
        int j1 = Math.min(out, j0 + gemvRowsPerChunk);
        int b = w.blockOf(j0);
        for (int j = j0; j < j1; j++) {
            while (w.blockEndRow(b) <= j) {
                b++;
            }
            MemorySegment seg = w.blockSegment(b);
            DType t = w.blockDType(b);
            long off = (j - w.blockStartRow(b)) * t.rowBytes(in);
            float bj = bias == null ? 0f : bias[j];
            if (t == DType.Q8_0 && rows > 1) {
                float[] q = q8Quants[thread];
                float[] sc = q8Scales[thread];
                unpackQ8(seg, off, in, q, sc);
                for (int r = 0; r < rows; r++) {
                    y[r * out + j] = dotQ8(q, sc, x, r * in, in, lanes[thread]) + bj;
                }
                continue;
            }
            for (int r = 0; r < rows; r++) {
                float s = switch (t) {
                    case BF16 -> dotBf16(seg, off, xEven, xOdd, r * ((in + 1) / 2), x, r * in, in);
                    case F16 -> dotF16(seg, off, x, r * in, in);
                    case F32 -> dotF32(seg, off, x, r * in, in);
                    case Q8_0 -> dotQ8(seg, off, x, r * in, in, lanes[thread]);
                };
                y[r * out + j] = s + bj;
            }
        }
    }

    /** Floats of quants {@code [k, k + L)} of the Q8_0 quants starting at byte {@code qo} (k a multiple of L). */
    private static FloatVector q8At(MemorySegment seg, long qo, int k) {
        if (Widen.Q8_PARTS == 1) {
            return Widen.q8(Widen.q8Load(seg, qo + k), 0);
        }
        int base = k / Widen.B.length() * Widen.B.length();
        return Widen.q8(Widen.q8Load(seg, qo + base), (k - base) / L);
    }

    /**
     * A Q8_0 row · x: per 32-block, {@code Σ q·x} in vector lanes (even and odd L-chunks in two accumulators, then
     * added), times the block's scale into one of two running vectors (even and odd blocks), which are added, stored
     * to {@code lanes} and summed lane 0 first. The order is fixed by n alone, and every step is an exact IEEE
     * operation in compiled and interpreted code alike ({@code reduceLanes} is not: C2 may sum the lanes in another
     * order than the Java fallback), so {@link #dotQ8(float[], float[], float[], int, int, float[])}, which repeats it
     * over unpacked quants, gives the same bits whatever has been compiled.
     */
    static float dotQ8(MemorySegment seg, long off, float[] x, int xo, int n, float[] lanes) {
        final int qk = Q8Quant.BLOCK;
        int nb = n / qk;
        long scales = off + n;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        // two blocks per step in four independent chains, written out (C2 compiles this shape faster than a
        // helper called once per block)
        int pairs = nb / 2;
        for (int p = 0; p < pairs; p++) {
            int k = 2 * p * qk;
            long qa = off + k;
            long qb = qa + qk;
            int xa = xo + k;
            int xb = xa + qk;
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = FloatVector.zero(F);
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = FloatVector.zero(F);
            for (int c = 0; c < qk; c += 2 * L) {
                s0 = q8At(seg, qa, c).fma(FloatVector.fromArray(F, x, xa + c), s0);
                s1 = q8At(seg, qa, c + L).fma(FloatVector.fromArray(F, x, xa + c + L), s1);
                t0 = q8At(seg, qb, c).fma(FloatVector.fromArray(F, x, xb + c), t0);
                t1 = q8At(seg, qb, c + L).fma(FloatVector.fromArray(F, x, xb + c + L), t1);
            }
            float da = Float.float16ToFloat(seg.get(SHORT_LE, scales + 4L * p));
            float db = Float.float16ToFloat(seg.get(SHORT_LE, scales + 4L * p + 2));
            a0 = s0.add(s1).fma(FloatVector.broadcast(F, da), a0);
            a1 = t0.add(t1).fma(FloatVector.broadcast(F, db), a1);
        }
        if ((nb & 1) != 0) {
            int k = (nb - 1) * qk;
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = FloatVector.zero(F);
            for (int c = 0; c < qk; c += 2 * L) {
                s0 = q8At(seg, off + k, c).fma(FloatVector.fromArray(F, x, xo + k + c), s0);
                s1 = q8At(seg, off + k, c + L).fma(FloatVector.fromArray(F, x, xo + k + c + L), s1);
            }
            float d = Float.float16ToFloat(seg.get(SHORT_LE, scales + 2L * (nb - 1)));
            a0 = s0.add(s1).fma(FloatVector.broadcast(F, d), a0);
        }
        return sumLanes(a0.add(a1), lanes);
    }

    /** A Q8_0 row's quants as floats into {@code q[0, n)} and its scales into {@code sc[0, n/32)}. */
    static void unpackQ8(MemorySegment seg, long off, int n, float[] q, float[] sc) {
        for (int k = 0; k < n; k += L) {
            q8At(seg, off, k).intoArray(q, k);
        }
        long scales = off + n;
        for (int blk = 0; blk < n / Q8Quant.BLOCK; blk++) {
            sc[blk] = Float.float16ToFloat(seg.get(SHORT_LE, scales + 2L * blk));
        }
    }

    /**
     * {@link #dotQ8(MemorySegment, long, float[], int, int, float[])} over unpacked quants: the same operations, same
     * bits.
     */
    static float dotQ8(float[] q, float[] sc, float[] x, int xo, int n, float[] lanes) {
        final int qk = Q8Quant.BLOCK;
        int nb = n / qk;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        int pairs = nb / 2;
        for (int p = 0; p < pairs; p++) {
            int k = 2 * p * qk;
            int xa = xo + k;
            int xb = xa + qk;
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = FloatVector.zero(F);
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = FloatVector.zero(F);
            for (int c = 0; c < qk; c += 2 * L) {
                s0 = FloatVector.fromArray(F, q, k + c).fma(FloatVector.fromArray(F, x, xa + c), s0);
                s1 = FloatVector.fromArray(F, q, k + c + L).fma(FloatVector.fromArray(F, x, xa + c + L), s1);
                t0 = FloatVector.fromArray(F, q, k + qk + c).fma(FloatVector.fromArray(F, x, xb + c), t0);
                t1 = FloatVector.fromArray(F, q, k + qk + c + L).fma(FloatVector.fromArray(F, x, xb + c + L), t1);
            }
            a0 = s0.add(s1).fma(FloatVector.broadcast(F, sc[2 * p]), a0);
            a1 = t0.add(t1).fma(FloatVector.broadcast(F, sc[2 * p + 1]), a1);
        }
        if ((nb & 1) != 0) {
            int k = (nb - 1) * qk;
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = FloatVector.zero(F);
            for (int c = 0; c < qk; c += 2 * L) {
                s0 = FloatVector.fromArray(F, q, k + c).fma(FloatVector.fromArray(F, x, xo + k + c), s0);
                s1 = FloatVector.fromArray(F, q, k + c + L).fma(FloatVector.fromArray(F, x, xo + k + c + L), s1);
            }
            a0 = s0.add(s1).fma(FloatVector.broadcast(F, sc[nb - 1]), a0);
        }
        return sumLanes(a0.add(a1), lanes);
    }

    /** The lanes of v summed in lane order (a fixed order in every execution mode). */
    private static float sumLanes(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        float s = lanes[0];
        for (int i = 1; i < L; i++) {
            s += lanes[i];
        }
        return s;
    }


    /**
     * A bf16 row · x. An int lane holds two bf16 values: shifting it left by 16 gives the even element as a float,
     * masking the low half gives the odd one, so the weights need no widening shuffle as long as x is split into
     * its even ({@code xe}) and odd ({@code xo}) elements. {@code x} itself serves the scalar tail.
     */
    static float dotBf16(MemorySegment seg, long off, float[] xe, float[] xo, int ho, float[] x, int xoff, int n) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F);
        FloatVector a5 = FloatVector.zero(F);
        FloatVector a6 = FloatVector.zero(F);
        FloatVector a7 = FloatVector.zero(F);
        int k = 0;
        for (; k + 8 * L <= n; k += 8 * L) {
            long o = off + 2L * k;
            int h = ho + k / 2;
            IntVector v0 = IntVector.fromMemorySegment(Widen.I, seg, o, Widen.LE);
            IntVector v1 = IntVector.fromMemorySegment(Widen.I, seg, o + 4L * L, Widen.LE);
            IntVector v2 = IntVector.fromMemorySegment(Widen.I, seg, o + 8L * L, Widen.LE);
            IntVector v3 = IntVector.fromMemorySegment(Widen.I, seg, o + 12L * L, Widen.LE);
            a0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xe, h), a0);
            a1 = v0.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xo, h), a1);
            a2 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xe, h + L), a2);
            a3 = v1.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xo, h + L), a3);
            a4 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, xe, h + 2 * L), a4);
            a5 = v2.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xo, h + 2 * L), a5);
            a6 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, xe, h + 3 * L), a6);
            a7 = v3.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xo, h + 3 * L), a7);
        }
        for (; k + 2 * L <= n; k += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(Widen.I, seg, off + 2L * k, Widen.LE);
            int h = ho + k / 2;
            a0 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xe, h), a0);
            a1 = v.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xo, h), a1);
        }
        float s = a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).reduceLanes(VectorOperators.ADD);
        for (; k < n; k++) {
            s += Float.intBitsToFloat(seg.get(SHORT_LE, off + 2L * k) << 16) * x[xoff + k];
        }
        return s;
    }

    static float dotF16(MemorySegment seg, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int k = 0;
        for (; k + 4 * L <= n; k += 4 * L) {
            a0 = Widen.f16(seg, off + 2L * k).fma(FloatVector.fromArray(F, x, xo + k), a0);
            a1 = Widen.f16(seg, off + 2L * (k + L)).fma(FloatVector.fromArray(F, x, xo + k + L), a1);
            a2 = Widen.f16(seg, off + 2L * (k + 2 * L)).fma(FloatVector.fromArray(F, x, xo + k + 2 * L), a2);
            a3 = Widen.f16(seg, off + 2L * (k + 3 * L)).fma(FloatVector.fromArray(F, x, xo + k + 3 * L), a3);
        }
        for (; k + L <= n; k += L) {
            a0 = Widen.f16(seg, off + 2L * k).fma(FloatVector.fromArray(F, x, xo + k), a0);
        }
        float s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; k < n; k++) {
            s += Float.float16ToFloat(seg.get(SHORT_LE, off + 2L * k)) * x[xo + k];
        }
        return s;
    }

    static float dotF32(MemorySegment seg, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int k = 0;
        for (; k + 4 * L <= n; k += 4 * L) {
            a0 = Widen.f32(seg, off + 4L * k).fma(FloatVector.fromArray(F, x, xo + k), a0);
            a1 = Widen.f32(seg, off + 4L * (k + L)).fma(FloatVector.fromArray(F, x, xo + k + L), a1);
            a2 = Widen.f32(seg, off + 4L * (k + 2 * L)).fma(FloatVector.fromArray(F, x, xo + k + 2 * L), a2);
            a3 = Widen.f32(seg, off + 4L * (k + 3 * L)).fma(FloatVector.fromArray(F, x, xo + k + 3 * L), a3);
        }
        for (; k + L <= n; k += L) {
            a0 = Widen.f32(seg, off + 4L * k).fma(FloatVector.fromArray(F, x, xo + k), a0);
        }
        float s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; k < n; k++) {
            s += seg.get(FLOAT_LE, off + 4L * k) * x[xo + k];
        }
        return s;
    }
}
