package dev.vlmesh.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The blocked attention against a direct double-precision softmax(q·kᵀ·scale)·v with per-query key limits. */
class AttentionBlockTest {

    @Test
    void matchesDirectAttentionForVectorAndScalarHeadDims() {
        Random r = new Random(5);
        for (int dim : new int[] {16, 64, 24, 5}) {
            for (int keys : new int[] {1, 7, 40, 129}) {
                int ldk = AttentionBlock.paddedKeys(keys);
                float[] kt = new float[dim * ldk];
                float[] v = new float[keys * dim];
                float[] q = new float[4 * dim];
                for (int d = 0; d < dim; d++) {
                    for (int t = 0; t < keys; t++) {
                        kt[d * ldk + t] = (float) r.nextGaussian();
                    }
                }
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) r.nextGaussian();
                }
                for (int i = 0; i < q.length; i++) {
                    q[i] = (float) r.nextGaussian();
                }
                for (int nq = 1; nq <= 4; nq++) {
                    AttentionBlock b = new AttentionBlock(keys);
                    float[] out = new float[4 * dim];
                    int[] limits = new int[nq];
                    for (int i = 0; i < nq; i++) {
                        b.qOff[i] = i * dim;
                        limits[i] = Math.max(1, keys - i * 3);
                        b.limit[i] = limits[i];
                        b.outOff[i] = i * dim;
                    }
                    float scale = (float) Math.pow(dim, -0.5);
                    b.run(nq, q, scale, kt, 0, ldk, v, 0, dim, dim, out);
                    for (int i = 0; i < nq; i++) {
                        double[] ref = direct(q, i * dim, kt, ldk, v, dim, limits[i], scale);
                        for (int d = 0; d < dim; d++) {
                            double err = Math.abs(ref[d] - out[i * dim + d]);
                            assertTrue(err < 1e-5, "dim " + dim + " keys " + keys + " q " + i + " d " + d + ": " + err);
                        }
                    }
                }
            }
        }
    }

    static double[] direct(float[] q, int qo, float[] kt, int ldk, float[] v, int dim, int limit, float scale) {
        double[] s = new double[limit];
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < limit; t++) {
            double dot = 0;
            for (int d = 0; d < dim; d++) {
                dot += (double) q[qo + d] * kt[d * ldk + t];
            }
            s[t] = dot * scale;
            max = Math.max(max, s[t]);
        }
        double sum = 0;
        for (int t = 0; t < limit; t++) {
            s[t] = Math.exp(s[t] - max);
            sum += s[t];
        }
        double[] out = new double[dim];
        for (int t = 0; t < limit; t++) {
            for (int d = 0; d < dim; d++) {
                out[d] += s[t] / sum * v[t * dim + d];
            }
        }
        return out;
    }
}
