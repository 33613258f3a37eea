package dev.vlmesh.engine.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/**
 * Position-table resampling against PyTorch. The expected values were produced by transformers' own code path,
 * {@code F.interpolate(table[1:].reshape(1,g,g,c).permute(0,3,1,2), size=(h,w), mode="bicubic",
 * align_corners=False)}, with torch 2.13 on the table {@code t[i][ch] = sin(0.7·i + 1.3·ch)} (row 0 = class token).
 */
class PositionEmbeddingTest {

    static float[] table(int g, int c) {
        float[] t = new float[(1 + g * g) * c];
        for (int i = 0; i < 1 + g * g; i++) {
            for (int ch = 0; ch < c; ch++) {
                t[i * c + ch] = (float) Math.sin(0.7 * i + 1.3 * ch);
            }
        }
        return t;
    }

    @Test
    void sameSizeIsTheTableItself() {
        float[] t = table(4, 3);
        assertSame(t, PositionEmbedding.resample(t, 4, 4, 4, 3));
    }

    @Test
    void upsamplesLikeTorchBicubic() {
        float[] expected = {0.642334342f, 1.11183035f, 0.964462996f, 0.8335132f, 1.13178658f, 0.2281183f,
                1.02372086f, -0.268067867f, 0.628559828f, 0.216526315f, 0.57438302f, -0.0510861874f, 0.34259367f,
                -0.39749077f, 0.100234091f, -0.573045969f, 0.384211004f, -0.805508852f, -0.0464484729f,
                -0.963991523f, -0.613792717f, -0.910980999f, -0.908956826f, -0.684680045f, -0.484571069f,
                -0.518403888f, -0.591790676f, -0.310185105f, -0.572622538f, 0.0560862385f, -0.440880269f,
                0.31645149f, -1.1412797f, -0.0657783523f, -0.904144049f, 0.418348014f, -0.334701538f, 0.954902291f,
                0.156671047f, 1.15720892f};
        check(table(3, 2), 3, 5, 4, expected);
    }

    @Test
    void downsamplesLikeTorchBicubicWithoutAntialias() {
        float[] expected = {0.0277572293f, -0.265628189f, -0.280715853f, -0.121033348f, 0.250135034f, 0.1979945f,
                0.153348595f, -0.190151006f};
        check(table(4, 2), 4, 2, 2, expected);
    }

    private static void check(float[] t, int g, int h, int w, float[] expected) {
        float[] out = PositionEmbedding.resample(t, g, h, w, 2);
        assertEquals(t[0], out[0]);
        assertEquals(t[1], out[1]);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], out[2 + i], 1e-6f, "value " + i);
        }
    }
}
