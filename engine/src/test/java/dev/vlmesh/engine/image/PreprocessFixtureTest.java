package dev.vlmesh.engine.image;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every fixture image decodes to PIL's {@code convert('RGB')}, and its tiles and float32 pixel values equal the
 * reference {@code dynamic_preprocess} + ToTensor + Normalize bit for bit, for every image size and max_num.
 */
class PreprocessFixtureTest {
    private static JsonNode cases;
    private static Map<String, InputFixtures.Tensor> decoded;
    private static Map<String, InputFixtures.Tensor> storedTiles;

    @BeforeAll
    static void load() throws IOException {
        cases = InputFixtures.json("preprocess/cases.json");
        decoded = InputFixtures.safetensors("preprocess/decoded.safetensors");
        storedTiles = InputFixtures.safetensors("preprocess/tiles.safetensors");
    }

    private static RgbImage decode(JsonNode rec) throws IOException {
        return new ImageDecoder(ImageLimits.DEFAULT).decode(InputFixtures.file("preprocess/" + rec.get("file").asText()));
    }

    @Test
    void everyImageDecodesToPillowsRgb() throws IOException {
        List<String> failures = new ArrayList<>();
        assertTrue(cases.get("images").size() >= 10, "too few fixture images");
        for (JsonNode rec : cases.get("images")) {
            String file = rec.get("file").asText();
            RgbImage img = decode(rec);
            assertEquals(rec.get("width").asInt(), img.width(), file);
            assertEquals(rec.get("height").asInt(), img.height(), file);
            if (!InputFixtures.sha256(img.pixels()).equals(rec.get("decoded_rgb_sha256").asText())) {
                String detail = "";
                if (!rec.get("decoded_rgb_tensor").isNull()) {
                    byte[] ref = decoded.get(rec.get("decoded_rgb_tensor").asText()).data();
                    int max = 0;
                    int count = 0;
                    for (int i = 0; i < ref.length; i++) {
                        int d = Math.abs((ref[i] & 0xFF) - (img.pixels()[i] & 0xFF));
                        max = Math.max(max, d);
                        count += d > 0 ? 1 : 0;
                    }
                    detail = " (" + count + " samples differ, max " + max + ")";
                }
                failures.add(file + detail);
            }
        }
        if (!failures.isEmpty()) {
            fail("decoded RGB differs from PIL for " + failures);
        }
    }

    @Test
    void tilesAndPixelValuesMatchForEveryImageSizeAndMaxNum() throws IOException {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (JsonNode rec : cases.get("images")) {
            String file = rec.get("file").asText();
            RgbImage img = decode(rec);
            for (JsonNode c : rec.get("cases")) {
                int size = c.get("image_size").asInt();
                int maxNum = c.get("max_num").asInt();
                String where = file + " size " + size + " max_num " + maxNum;
                PreprocessedImage p = new ImagePreprocessor(size, maxNum, ImageLimits.DEFAULT).preprocess(img);
                assertEquals(c.get("grid_cols_rows").get(0).asInt(), p.grid().columns(), where);
                assertEquals(c.get("grid_cols_rows").get(1).asInt(), p.grid().rows(), where);
                assertEquals(c.get("num_tiles").asInt(), p.tileCount(), where);
                for (int t = 0; t < p.tileCount(); t++) {
                    JsonNode tr = c.get("tiles").get(t);
                    RgbImage tile = p.tiles().get(t);
                    long[] sums = new long[3];
                    for (int i = 0; i < tile.pixels().length; i++) {
                        sums[i % 3] += tile.pixels()[i] & 0xFF;
                    }
                    if (!InputFixtures.sha256(tile.pixels()).equals(tr.get("sha256_uint8_hwc").asText())) {
                        failures.add(where + " tile " + t + " (channel sums " + java.util.Arrays.toString(sums)
                                + " vs " + tr.get("channel_sums") + ")");
                    }
                }
                if (!c.get("stored_tiles_tensor").isNull()) {
                    byte[] ref = storedTiles.get(c.get("stored_tiles_tensor").asText()).data();
                    byte[] ours = new byte[ref.length];
                    int off = 0;
                    for (RgbImage t : p.tiles()) {
                        System.arraycopy(t.pixels(), 0, ours, off, t.pixels().length);
                        off += t.pixels().length;
                    }
                    assertEquals(ref.length, off, where + ": stored tile bytes");
                    assertArrayEquals(ref, ours, where + ": stored tiles");
                }
                assertEquals(c.get("pixel_values_shape").get(0).asInt(), p.pixelValues().tiles(), where);
                if (!InputFixtures.sha256F32(p.pixelValues().data()).equals(c.get("pixel_values_f32le_sha256").asText())) {
                    failures.add(where + " pixel_values");
                }
                checked++;
            }
        }
        assertTrue(checked >= 60, "too few preprocessing cases: " + checked);
        if (!failures.isEmpty()) {
            fail(failures.size() + " mismatches: " + failures);
        }
    }

    @Test
    void normalisationEqualsTheReferenceTableForEveryLevel() throws IOException {
        InputFixtures.Tensor lut = InputFixtures.safetensors("preprocess/normalize_lut.safetensors").get("lut");
        float[] ref = new float[3 * 256];
        ByteBuffer.wrap(lut.data()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(ref);
        byte[] px = new byte[16 * 16 * 3];
        for (int i = 0; i < 256; i++) {
            px[i * 3] = px[i * 3 + 1] = px[i * 3 + 2] = (byte) i;
        }
        float[] out = new float[3 * 256];
        ImageNetNormalizer.normalizeInto(new RgbImage(16, 16, px), out, 0);
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                assertEquals(Float.floatToRawIntBits(ref[c * 256 + v]), Float.floatToRawIntBits(out[c * 256 + v]),
                        "channel " + c + " level " + v);
            }
        }
    }

    @Test
    void gridChoiceMatchesTheReferenceTable() throws IOException {
        JsonNode grids = InputFixtures.json("preprocess/grids.json");
        int checked = 0;
        for (JsonNode row : grids.get("table")) {
            int w = row.get("w").asInt();
            int h = row.get("h").asInt();
            for (int size : new int[] {448, 224}) {
                JsonNode per = row.get("grids_" + size);
                for (int m = 1; m <= per.size(); m++) {
                    TileGrid g = TileGrid.choose(w, h, m, size);
                    JsonNode exp = per.get(m - 1);
                    assertEquals(exp.get(0).asInt() + "x" + exp.get(1).asInt(), g.columns() + "x" + g.rows(),
                            w + "x" + h + " size " + size + " max_num " + m);
                    checked++;
                }
            }
        }
        assertTrue(checked > 1000, "too few grid cases: " + checked);
    }
}
