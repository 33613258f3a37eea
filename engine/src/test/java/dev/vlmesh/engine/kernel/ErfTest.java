package dev.vlmesh.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The float erf against a double-precision series / continued fraction over the whole range. */
class ErfTest {

    @Test
    void scalarAndVectorErfWithin5e7Everywhere() {
        double worst = 0;
        float[] xs = new float[FloatVector.SPECIES_PREFERRED.length()];
        float[] out = new float[xs.length];
        for (int i = -1_200_000; i <= 1_200_000; i += xs.length) {
            for (int l = 0; l < xs.length; l++) {
                xs[l] = (i + l) * 1e-5f;
            }
            Erf.erf(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, xs, 0)).intoArray(out, 0);
            for (int l = 0; l < xs.length; l++) {
                double ref = erf(xs[l]);
                worst = Math.max(worst, Math.abs(out[l] - ref));
                assertEquals(out[l], Erf.erf(xs[l]), 2e-7f, "scalar vs vector at " + xs[l]);
            }
        }
        assertTrue(worst < 5e-7, "max abs error " + worst);
        assertEquals(1f, Erf.erf(30f), 1e-6f);
        assertEquals(-1f, Erf.erf(Float.NEGATIVE_INFINITY), 1e-6f);
        assertEquals(0f, Erf.erf(0f));
    }

    @Test
    void geluIsExactErfGelu() {
        float[] x = {-6f, -2.5f, -1f, -0.1f, 0f, 0.3f, 1f, 2f, 5.5f, -0.7f, 3f, 8f, -8f, 0.05f, 1.5f, -3.3f, 0.9f};
        float[] y = x.clone();
        VectorMath.gelu(y, 0, y.length);
        for (int i = 0; i < x.length; i++) {
            double ref = 0.5 * x[i] * (1 + erf(x[i] / Math.sqrt(2)));
            assertEquals(ref, y[i], 1e-6 * Math.max(1, Math.abs(ref)), "gelu(" + x[i] + ")");
        }
    }

    /** erf in double: Maclaurin series below 3, Lentz continued fraction for erfc above. */
    static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 3) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 200; n++) {
                term *= -a * a / n;
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-18) {
                    break;
                }
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(a) = exp(-a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + …))))
            double f = a;
            for (int k = 60; k >= 1; k--) {
                f = a + (k / 2.0) / f;
            }
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
        }
        return Math.copySign(r, x);
    }
}
