package dev.vlmesh.engine.video;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.image.ImageLimits;
import dev.vlmesh.engine.image.ImagePreprocessor;
import dev.vlmesh.engine.image.InputFixtures;
import dev.vlmesh.engine.image.PixelValues;
import dev.vlmesh.engine.image.PreprocessedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fixture clips decoded from their files: frame count, fps, the sampled frame indices for every segment count
 * and bound, every sampled frame's RGB bytes (exactly: same swscale call as the reference's PyAV), and the model
 * input tiles and pixel values at 448 and 224 — by both the seeking and the sequential path.
 */
class VideoReaderFixtureTest {

    @Test
    void everyClipAndCaseMatchesTheReferenceBySeekingAndSequentially() throws IOException {
        JsonNode video = InputFixtures.json("video/cases.json");
        List<String> failures = new ArrayList<>();
        int checkedFrames = 0;
        for (JsonNode clip : video.get("clips")) {
            for (boolean sequential : new boolean[]{false, true}) {
                checkedFrames += checkClip(clip, sequential, failures);
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " mismatches: " + failures);
        assertTrue(checkedFrames > 300, "too few frames checked: " + checkedFrames);
    }

    private static int checkClip(JsonNode clip, boolean sequential, List<String> failures) throws IOException {
        String name = clip.get("file").asText() + (sequential ? " (sequential)" : " (seek)");
        InputFixtures.Tensor rgb = InputFixtures.safetensors("video/" + clip.get("frames_file").asText()).get("rgb24");
        int w = clip.get("width").asInt();
        int h = clip.get("height").asInt();
        int frameBytes = w * h * 3;
        int checked = 0;
        Path file = InputFixtures.file("video/" + clip.get("file").asText());
        try (VideoReader reader = VideoReader.open(file, VideoDecodeOptions.DEFAULT)) {
            if (sequential) {
                reader.forceSequential();
            }
            assertEquals(clip.get("codec").asText(), reader.info().codec(), name);
            assertEquals(clip.get("fps").asDouble(), reader.info().fps(), 0.0, name);
            assertEquals(clip.get("num_frames").asInt(), reader.frameCount(), name);
            for (JsonNode c : clip.get("cases")) {
                FrameSampler.Bound bound = c.get("bound").isNull() ? null
                        : new FrameSampler.Bound(c.get("bound").get(0).asDouble(), c.get("bound").get(1).asDouble());
                int n = c.get("num_segments").asInt();
                List<VideoFrame> frames = reader.sample(n, bound);
                int[] got = frames.stream().mapToInt(VideoFrame::index).toArray();
                int[] want = InputFixtures.ints(c.get("frame_indices"));
                String what = name + " n " + n + " bound " + c.get("bound");
                assertArrayEquals(want, got, what);
                for (VideoFrame f : frames) {
                    assertEquals(w, f.image().width(), what);
                    assertEquals(h, f.image().height(), what);
                    byte[] ref = Arrays.copyOfRange(rgb.data(), f.index() * frameBytes, (f.index() + 1) * frameBytes);
                    if (!Arrays.equals(ref, f.image().pixels())) {
                        failures.add(what + " frame " + f.index() + " RGB");
                    }
                    long pts = clip.get("pts").get(f.index()).asLong();
                    String[] tb = clip.get("time_base").asText().split("/");
                    double seconds = pts * Double.parseDouble(tb[0]) / Double.parseDouble(tb[1]);
                    assertEquals(seconds, f.seconds(), 1e-9, what + " frame time");
                    checked++;
                }
                // the model input from these frames (once: the sequential path's RGB is already compared exactly)
                for (var e : sequential ? List.<java.util.Map.Entry<String, JsonNode>>of()
                        : c.get("by_image_size").properties()) {
                    int size = Integer.parseInt(e.getKey());
                    ImagePreprocessor pre = new ImagePreprocessor(size, 1, ImageLimits.DEFAULT);
                    List<PixelValues> parts = new ArrayList<>();
                    for (int k = 0; k < frames.size(); k++) {
                        PreprocessedImage p = pre.frame(frames.get(k).image());
                        if (!InputFixtures.sha256(p.tiles().get(0).pixels())
                                .equals(e.getValue().get("tiles").get(k).get("sha256_uint8_hwc").asText())) {
                            failures.add(what + " size " + size + " tile " + k);
                        }
                        parts.add(p.pixelValues());
                    }
                    if (!InputFixtures.sha256F32(ImagePreprocessor.concat(parts).data())
                            .equals(e.getValue().get("pixel_values_f32le_sha256").asText())) {
                        failures.add(what + " size " + size + " pixel_values");
                    }
                }
            }
            assertEquals(sequential ? "sequential" : "seek", reader.mode(), name + ": " + reader.fallbackReason());
        }
        return checked;
    }
}
