package dev.vlmesh.engine.video;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.image.ImageLimits;
import dev.vlmesh.engine.image.ImagePreprocessor;
import dev.vlmesh.engine.image.InputFixtures;
import dev.vlmesh.engine.image.PixelValues;
import dev.vlmesh.engine.image.PreprocessedImage;
import dev.vlmesh.engine.image.RgbImage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reference get_index frame choice, and per-frame tiles, for every fixture clip, bound and segment count. */
class FrameSamplerFixtureTest {
    @Test
    void frameIndicesEqualTheReference() throws IOException {
        JsonNode video = InputFixtures.json("video/cases.json");
        int checked = 0;
        for (JsonNode clip : video.get("clips")) {
            double fps = clip.get("fps").asDouble();
            int maxFrame = clip.get("max_frame").asInt();
            for (JsonNode c : clip.get("cases")) {
                FrameSampler.Bound bound = c.get("bound").isNull() ? null
                        : new FrameSampler.Bound(c.get("bound").get(0).asDouble(), c.get("bound").get(1).asDouble());
                int n = c.get("num_segments").asInt();
                int[] got = FrameSampler.frameIndices(bound, fps, maxFrame, 0, n);
                assertArrayEquals(InputFixtures.ints(c.get("frame_indices")), got,
                        clip.get("file").asText() + " bound " + c.get("bound") + " n " + n);
                if (bound == null) {
                    assertArrayEquals(got, FrameSampler.frameIndices(maxFrame + 1, fps, n));
                }
                checked++;
            }
        }
        assertTrue(checked >= 16, "too few frame-index cases: " + checked);
    }

    @Test
    void frameTilesAndPixelValuesEqualTheReference() throws IOException {
        JsonNode video = InputFixtures.json("video/cases.json");
        List<String> failures = new ArrayList<>();
        for (JsonNode clip : video.get("clips")) {
            InputFixtures.Tensor rgb = InputFixtures.safetensors("video/" + clip.get("frames_file").asText())
                    .get("rgb24");
            int frames = (int) rgb.shape()[0];
            int h = (int) rgb.shape()[1];
            int w = (int) rgb.shape()[2];
            assertEquals(clip.get("decoded_rgb24_sha256").asText(), InputFixtures.sha256(rgb.data()));
            int frameBytes = h * w * 3;
            for (JsonNode c : clip.get("cases")) {
                int[] idx = InputFixtures.ints(c.get("frame_indices"));
                for (var e : c.get("by_image_size").properties()) {
                    int size = Integer.parseInt(e.getKey());
                    ImagePreprocessor pre = new ImagePreprocessor(size, 1, ImageLimits.DEFAULT);
                    List<PixelValues> parts = new ArrayList<>();
                    for (int k = 0; k < idx.length; k++) {
                        assertTrue(idx[k] >= 0 && idx[k] < frames);
                        byte[] px = Arrays.copyOfRange(rgb.data(), idx[k] * frameBytes, (idx[k] + 1) * frameBytes);
                        PreprocessedImage p = pre.frame(new RgbImage(w, h, px));
                        assertEquals(1, p.tileCount());
                        String sha = InputFixtures.sha256(p.tiles().get(0).pixels());
                        if (!sha.equals(e.getValue().get("tiles").get(k).get("sha256_uint8_hwc").asText())) {
                            failures.add(clip.get("file").asText() + " frame " + idx[k] + " size " + size);
                        }
                        parts.add(p.pixelValues());
                    }
                    PixelValues all = ImagePreprocessor.concat(parts);
                    if (!InputFixtures.sha256F32(all.data()).equals(e.getValue().get("pixel_values_f32le_sha256").asText())) {
                        failures.add(clip.get("file").asText() + " n " + idx.length + " size " + size + " pixel_values");
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> FrameSampler.frameIndices(10, 25.0, 0));
        assertThrows(IllegalArgumentException.class, () -> FrameSampler.frameIndices(0, 25.0, 8));
        assertThrows(IllegalArgumentException.class, () -> FrameSampler.frameIndices(10, Double.NaN, 8));
    }
}
