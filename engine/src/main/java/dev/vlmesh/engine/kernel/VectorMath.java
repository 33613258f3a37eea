package dev.vlmesh.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Row-wise float32 operations (norms, activations, residuals, softmax), vectorised. */
public final class VectorMath {
    static final VectorSpecies<Float> F = Widen.F;
    static final int L = Widen.L;
    private static final float SQRT1_2 = 0.70710678118654752440f;

    private VectorMath() {
    }

    /** LayerNorm of x[xo, xo+n) into y[yo, …): (x − mean)/sqrt(var + eps)·w + b (biased variance, as torch). */
    public static void layerNorm(float[] x, int xo, int n, float[] w, float[] b, float eps, float[] y, int yo) {
        float mean = sum(x, xo, n) / n;
        FloatVector mv = FloatVector.broadcast(F, mean);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector d = FloatVector.fromArray(F, x, xo + i).sub(mv);
            acc = d.fma(d, acc);
        }
        float var = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float d = x[xo + i] - mean;
            var += d * d;
        }
        var /= n;
        float inv = (float) (1.0 / Math.sqrt(var + eps));
        FloatVector iv = FloatVector.broadcast(F, inv);
        i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i).sub(mv).mul(iv);
            v.fma(FloatVector.fromArray(F, w, i), FloatVector.fromArray(F, b, i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = (x[xo + i] - mean) * inv * w[i] + b[i];
        }
    }

    /** RMSNorm of x[xo, xo+n) into y[yo, …): w · (x / sqrt(mean(x²) + eps)), in that order, as transformers. */
    public static void rmsNorm(float[] x, int xo, int n, float[] w, float eps, float[] y, int yo) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            acc = v.fma(v, acc);
        }
        float ss = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            ss += x[xo + i] * x[xo + i];
        }
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        FloatVector iv = FloatVector.broadcast(F, inv);
        i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, xo + i).mul(iv).mul(FloatVector.fromArray(F, w, i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = w[i] * (x[xo + i] * inv);
        }
    }

    public static float sum(float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            acc = acc.add(FloatVector.fromArray(F, x, xo + i));
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += x[xo + i];
        }
        return s;
    }

    /** Exact GELU in place: x·½·(1 + erf(x/√2)). */
    public static void gelu(float[] x, int xo, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector e = Erf.erf(v.mul(SQRT1_2));
            v.mul(0.5f).mul(e.add(1f)).intoArray(x, xo + i);
        }
        for (; i < n; i++) {
            float v = x[xo + i];
            x[xo + i] = v * 0.5f * (1f + Erf.erf(v * SQRT1_2));
        }
    }

    /** dst[do + i] = silu(gate[go + i]) · up[uo + i] for i < n, silu(x) = x / (1 + e^−x). */
    public static void siluMul(float[] gate, int go, float[] up, int uo, int n, float[] dst, int dof) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, go + i);
            FloatVector s = g.div(g.neg().lanewise(VectorOperators.EXP).add(1f));
            s.mul(FloatVector.fromArray(F, up, uo + i)).intoArray(dst, dof + i);
        }
        for (; i < n; i++) {
            float g = gate[go + i];
            dst[dof + i] = g / (1f + (float) Math.exp(-g)) * up[uo + i];
        }
    }

    /** y[yo + i] += x[xo + i]. */
    public static void add(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, y, yo + i).add(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += x[xo + i];
        }
    }

    /** y[yo + i] += s[i] · x[xo + i] (layer scale on a residual branch). */
    public static void addScaled(float[] x, int xo, float[] s, float[] y, int yo, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            FloatVector sv = FloatVector.fromArray(F, s, i);
            // the reference forms the scaled branch first, then adds the residual
            xv.mul(sv).add(FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = x[xo + i] * s[i] + y[yo + i];
        }
    }

    /** Softmax in place over x[xo, xo+n). */
    public static void softmax(float[] x, int xo, int n) {
        float max = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (n >= L) {
            FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; i + L <= n; i += L) {
                mv = mv.max(FloatVector.fromArray(F, x, xo + i));
            }
            max = mv.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, x[xo + i]);
        }
        FloatVector mb = FloatVector.broadcast(F, max);
        FloatVector acc = FloatVector.zero(F);
        i = 0;
        for (; i + L <= n; i += L) {
            FloatVector e = FloatVector.fromArray(F, x, xo + i).sub(mb).lanewise(VectorOperators.EXP);
            e.intoArray(x, xo + i);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[xo + i] - max);
            x[xo + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        FloatVector iv = FloatVector.broadcast(F, inv);
        i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, xo + i).mul(iv).intoArray(x, xo + i);
        }
        for (; i < n; i++) {
            x[xo + i] *= inv;
        }
    }
}
