package dev.vlmesh.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention for up to {@link #QB} queries that share one set of keys and values:
 * {@code out_i = softmax(scale · q_i·Kᵀ over keys [0, limit_i)) · V}. Keys are stored transposed
 * ({@code kt[d·ldk + t]}) so scores are computed along t with full vectors and no horizontal sums; values are
 * row-major ({@code v[t·ldv + d]}). Vision attention (no mask: every limit = T) and causal decoder attention
 * (limit = position + 1) both use it. One instance per thread: it owns the score rows.
 */
public final class AttentionBlock {
    public static final int QB = 4;
    static final VectorSpecies<Float> F = Widen.F;
    static final int L = Widen.L;

    private float[] scores;
    private int lds;
    /** Query offsets into the q array, limits, and output offsets for the current block. */
    public final int[] qOff = new int[QB];
    public final int[] limit = new int[QB];
    public final int[] outOff = new int[QB];

    public AttentionBlock(int maxKeys) {
        ensure(maxKeys);
    }

    /** Rounds a key count up to what {@code kt} rows must be readable to (whole vectors). */
    public static int paddedKeys(int keys) {
        return (keys + L - 1) / L * L;
    }

    public void ensure(int maxKeys) {
        int need = paddedKeys(maxKeys);
        if (scores == null || lds < need) {
            lds = need;
            scores = new float[QB * need];
        }
    }

    /**
     * Runs the block for {@code nq} queries (1..QB) described by {@link #qOff}, {@link #limit} and {@link #outOff}.
     * {@code kt} rows must be readable up to {@code paddedKeys(max limit)}.
     */
    public void run(int nq, float[] q, float scale, float[] kt, int kto, int ldk, float[] v, int vo, int ldv, int dim,
                    float[] out) {
        for (int r = nq; r < QB; r++) {
            qOff[r] = qOff[0];
            limit[r] = limit[0];
        }
        int maxLim = 0;
        for (int r = 0; r < QB; r++) {
            maxLim = Math.max(maxLim, limit[r]);
        }
        int tv = paddedKeys(maxLim);
        float[] s = scores;
        int q0 = qOff[0];
        int q1 = qOff[1];
        int q2 = qOff[2];
        int q3 = qOff[3];
        int t = 0;
        // two key vectors at a time: eight independent accumulator chains keep both FMA pipes busy
        for (; t + 2 * L <= tv; t += 2 * L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            FloatVector b0 = FloatVector.zero(F);
            FloatVector b1 = FloatVector.zero(F);
            FloatVector b2 = FloatVector.zero(F);
            FloatVector b3 = FloatVector.zero(F);
            int ko = kto + t;
            for (int d = 0; d < dim; d++) {
                FloatVector k0 = FloatVector.fromArray(F, kt, ko + d * ldk);
                FloatVector k1 = FloatVector.fromArray(F, kt, ko + d * ldk + L);
                FloatVector x0 = FloatVector.broadcast(F, q[q0 + d]);
                FloatVector x1 = FloatVector.broadcast(F, q[q1 + d]);
                FloatVector x2 = FloatVector.broadcast(F, q[q2 + d]);
                FloatVector x3 = FloatVector.broadcast(F, q[q3 + d]);
                a0 = k0.fma(x0, a0);
                b0 = k1.fma(x0, b0);
                a1 = k0.fma(x1, a1);
                b1 = k1.fma(x1, b1);
                a2 = k0.fma(x2, a2);
                b2 = k1.fma(x2, b2);
                a3 = k0.fma(x3, a3);
                b3 = k1.fma(x3, b3);
            }
            a0.mul(scale).intoArray(s, t);
            b0.mul(scale).intoArray(s, t + L);
            a1.mul(scale).intoArray(s, lds + t);
            b1.mul(scale).intoArray(s, lds + t + L);
            a2.mul(scale).intoArray(s, 2 * lds + t);
            b2.mul(scale).intoArray(s, 2 * lds + t + L);
            a3.mul(scale).intoArray(s, 3 * lds + t);
            b3.mul(scale).intoArray(s, 3 * lds + t + L);
        }
        for (; t < tv; t += L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            int ko = kto + t;
            for (int d = 0; d < dim; d++) {
                FloatVector kv = FloatVector.fromArray(F, kt, ko + d * ldk);
                a0 = kv.fma(FloatVector.broadcast(F, q[q0 + d]), a0);
                a1 = kv.fma(FloatVector.broadcast(F, q[q1 + d]), a1);
                a2 = kv.fma(FloatVector.broadcast(F, q[q2 + d]), a2);
                a3 = kv.fma(FloatVector.broadcast(F, q[q3 + d]), a3);
            }
            a0.mul(scale).intoArray(s, t);
            a1.mul(scale).intoArray(s, lds + t);
            a2.mul(scale).intoArray(s, 2 * lds + t);
            a3.mul(scale).intoArray(s, 3 * lds + t);
        }
        for (int r = 0; r < QB; r++) {
            VectorMath.softmax(s, r * lds, limit[r]);
            for (int z = limit[r]; z < tv; z++) {
                s[r * lds + z] = 0f;
            }
        }
        if (dim % L == 0) {
            weightedSumVector(nq, s, maxLim, v, vo, ldv, dim, out);
        } else {
            weightedSumScalar(nq, s, maxLim, v, vo, ldv, dim, out);
        }
    }

    private void weightedSumVector(int nq, float[] s, int keys, float[] v, int vo, int ldv, int dim, float[] out) {
        int l1 = lds;
        int l2 = 2 * lds;
        int l3 = 3 * lds;
        for (int d0 = 0; d0 < dim; d0 += 2 * L) {
            boolean two = d0 + L < dim;
            FloatVector a00 = FloatVector.zero(F);
            FloatVector a01 = FloatVector.zero(F);
            FloatVector a10 = FloatVector.zero(F);
            FloatVector a11 = FloatVector.zero(F);
            FloatVector a20 = FloatVector.zero(F);
            FloatVector a21 = FloatVector.zero(F);
            FloatVector a30 = FloatVector.zero(F);
            FloatVector a31 = FloatVector.zero(F);
            if (two) {
                for (int t = 0; t < keys; t++) {
                    int o = vo + t * ldv + d0;
                    FloatVector v0 = FloatVector.fromArray(F, v, o);
                    FloatVector v1 = FloatVector.fromArray(F, v, o + L);
                    float p0 = s[t];
                    float p1 = s[l1 + t];
                    float p2 = s[l2 + t];
                    float p3 = s[l3 + t];
                    a00 = v0.fma(FloatVector.broadcast(F, p0), a00);
                    a01 = v1.fma(FloatVector.broadcast(F, p0), a01);
                    a10 = v0.fma(FloatVector.broadcast(F, p1), a10);
                    a11 = v1.fma(FloatVector.broadcast(F, p1), a11);
                    a20 = v0.fma(FloatVector.broadcast(F, p2), a20);
                    a21 = v1.fma(FloatVector.broadcast(F, p2), a21);
                    a30 = v0.fma(FloatVector.broadcast(F, p3), a30);
                    a31 = v1.fma(FloatVector.broadcast(F, p3), a31);
                }
            } else {
                for (int t = 0; t < keys; t++) {
                    FloatVector v0 = FloatVector.fromArray(F, v, vo + t * ldv + d0);
                    a00 = v0.fma(FloatVector.broadcast(F, s[t]), a00);
                    a10 = v0.fma(FloatVector.broadcast(F, s[l1 + t]), a10);
                    a20 = v0.fma(FloatVector.broadcast(F, s[l2 + t]), a20);
                    a30 = v0.fma(FloatVector.broadcast(F, s[l3 + t]), a30);
                }
            }
            store(a00, a01, two, out, outOff[0] + d0);
            if (nq > 1) {
                store(a10, a11, two, out, outOff[1] + d0);
            }
            if (nq > 2) {
                store(a20, a21, two, out, outOff[2] + d0);
            }
            if (nq > 3) {
                store(a30, a31, two, out, outOff[3] + d0);
            }
        }
    }

    private static void store(FloatVector a, FloatVector b, boolean two, float[] out, int o) {
        a.intoArray(out, o);
        if (two) {
            b.intoArray(out, o + L);
        }
    }

    private void weightedSumScalar(int nq, float[] s, int keys, float[] v, int vo, int ldv, int dim, float[] out) {
        for (int r = 0; r < nq; r++) {
            int so = r * lds;
            int oo = outOff[r];
            for (int d = 0; d < dim; d++) {
                float acc = 0f;
                for (int t = 0; t < keys; t++) {
                    acc += s[so + t] * v[vo + t * ldv + d];
                }
                out[oo + d] = acc;
            }
        }
    }
}
