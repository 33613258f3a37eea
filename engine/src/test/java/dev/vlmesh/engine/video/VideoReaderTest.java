package dev.vlmesh.engine.video;

import dev.vlmesh.engine.image.InputFixtures;
import dev.vlmesh.engine.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeking gives the reference's frames on clips with many keyframes and reordered (B-)frames: for every segment
 * count the frames found by timestamps equal those found by decoding from the start and counting (the reference's
 * way), while decoding far fewer frames. Also rotation and segment windows.
 */
class VideoReaderTest {
    static final VideoDecodeOptions ANY_CODEC = VideoDecodeOptions.DEFAULT.withCodecs(
            Set.of("h264", "hevc", "vp8", "vp9", "av1", "mpeg4"));

    @TempDir
    static Path dir;
    static Path h264;
    static Path bframes;
    static Path vp9;

    @BeforeAll
    static void clips() throws IOException {
        // 12 s at 10 fps, a keyframe every 12 frames: 120 frames, 10 GOPs
        h264 = TestClips.make(dir.resolve("gop12.mp4"), "libopenh264", 96, 64, 10, 12, 12);
        bframes = TestClips.make(dir.resolve("bframes.mp4"), "mpeg4 -bf 2", 96, 64, 10, 12, 12);
        vp9 = TestClips.make(dir.resolve("gop12.webm"), "libvpx-vp9", 96, 64, 10, 12, 12);
    }

    @Test
    void seekingFindsTheFramesThatCountingFinds() throws IOException {
        for (Path clip : List.of(h264, bframes, vp9)) {
            for (int n : new int[]{1, 4, 8, 32}) {
                for (FrameSampler.Bound bound : Arrays.asList(null, new FrameSampler.Bound(3.3, 7.9))) {
                    String what = clip.getFileName() + " n " + n + " bound " + bound;
                    List<VideoFrame> seek;
                    long decoded;
                    try (VideoReader r = VideoReader.open(clip, ANY_CODEC)) {
                        assertEquals(120, r.frameCount(), what);
                        seek = r.sample(n, bound);
                        assertEquals("seek", r.mode(), what + ": " + r.fallbackReason());
                        decoded = r.framesDecoded();
                    }
                    List<VideoFrame> counted;
                    try (VideoReader r = VideoReader.open(clip, ANY_CODEC)) {
                        r.forceSequential();
                        counted = r.sample(n, bound);
                    }
                    assertEquals(counted.size(), seek.size(), what);
                    for (int k = 0; k < seek.size(); k++) {
                        assertEquals(counted.get(k).index(), seek.get(k).index(), what);
                        assertEquals(counted.get(k).seconds(), seek.get(k).seconds(), 1e-9, what);
                        assertArrayEquals(counted.get(k).image().pixels(), seek.get(k).image().pixels(),
                                what + " frame " + seek.get(k).index());
                    }
                    if (n <= 4) {
                        // a few GOPs per sampled frame, not the whole clip
                        assertTrue(decoded <= n * 12L + 12, what + ": decoded " + decoded + " of 120 frames");
                    }
                }
            }
        }
    }

    @Test
    void windowsAreBoundedReferenceSamplesAndStopAtTheEnd() throws IOException {
        try (VideoReader r = VideoReader.open(h264, ANY_CODEC)) {
            VideoReader.Windows w = r.windows(5.0, 4, null);
            VideoWindow first = w.next();
            assertNotNull(first);
            // the first window costs its own GOPs only, not a scan of the clip
            assertTrue(r.framesDecoded() <= 60, "decoded " + r.framesDecoded());
            assertEquals(0, first.segment());
            assertEquals(0.0, first.startSeconds());
            assertEquals(5.0, first.endSeconds());
            assertArrayEquals(FrameSampler.frameIndices(new FrameSampler.Bound(0, 5), 10, 119, 0, 4),
                    first.frames().stream().mapToInt(VideoFrame::index).toArray());
            VideoWindow second = w.next();
            assertArrayEquals(FrameSampler.frameIndices(new FrameSampler.Bound(5, 10), 10, 119, 0, 4),
                    second.frames().stream().mapToInt(VideoFrame::index).toArray());
            VideoWindow third = w.next();
            assertEquals(10.0, third.startSeconds());
            assertEquals(12.0, third.endSeconds(), 1e-9, "the last window ends with the clip");
            assertArrayEquals(FrameSampler.frameIndices(new FrameSampler.Bound(10, 15), 10, 119, 0, 4),
                    third.frames().stream().mapToInt(VideoFrame::index).toArray());
            assertNull(w.next());
            assertNull(w.next());
        }
        try (VideoReader r = VideoReader.open(vp9, ANY_CODEC)) {
            VideoReader.Windows w = r.windows(2.0, 2, new FrameSampler.Bound(3.0, 6.5));
            double[][] spans = {{3.0, 5.0}, {5.0, 6.5}};
            for (double[] span : spans) {
                VideoWindow win = w.next();
                assertEquals(span[0], win.startSeconds(), 1e-9);
                assertEquals(span[1], win.endSeconds(), 1e-9);
                assertArrayEquals(FrameSampler.frameIndices(new FrameSampler.Bound(span[0], span[1]), 10, 119, 0, 2),
                        win.frames().stream().mapToInt(VideoFrame::index).toArray());
            }
            assertNull(w.next());
        }
    }

    @Test
    void rotatedStreamsComeOutUpright() throws IOException {
        Path src = InputFixtures.file("video/clips/h264_160x120_10fps_16f.mp4");
        Path rotated = dir.resolve("rotated.mp4");
        // container-level display matrix only; the coded frames are the fixture's
        TestClips.ffmpeg("-display_rotation", "90", "-i", src.toString(), "-c", "copy", rotated.toString());
        List<VideoFrame> plain;
        try (VideoReader r = VideoReader.open(src, VideoDecodeOptions.DEFAULT)) {
            plain = r.sample(4, null);
        }
        try (VideoReader r = VideoReader.open(rotated, VideoDecodeOptions.DEFAULT)) {
            int deg = r.info().rotationDegrees();
            assertEquals(270, deg, "ffmpeg's display_rotation 90 is counter-clockwise: 270 clockwise");
            List<VideoFrame> up = r.sample(4, null);
            for (int k = 0; k < up.size(); k++) {
                RgbImage want = Rotation.rotate(plain.get(k).image(), deg);
                assertEquals(120, up.get(k).image().width());
                assertEquals(160, up.get(k).image().height());
                assertArrayEquals(want.pixels(), up.get(k).image().pixels());
            }
        }
        // cross-check the direction with the ffmpeg program's own autorotation of the first frame
        Path raw = dir.resolve("first.rgb");
        TestClips.ffmpeg("-i", rotated.toString(), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24",
                raw.toString());
        byte[] ffmpegFrame = Files.readAllBytes(raw);
        try (VideoReader r = VideoReader.open(rotated, VideoDecodeOptions.DEFAULT)) {
            byte[] ours = r.frames(new int[]{0}).get(0).image().pixels();
            byte[] wrongWay = Rotation.rotate(Rotation.rotate(r.frames(new int[]{0}).get(0).image(), 90), 90)
                    .pixels();
            assertEquals(ours.length, ffmpegFrame.length);
            assertTrue(meanAbsDiff(ours, ffmpegFrame) < 3, "differs from ffmpeg's autorotation: "
                    + meanAbsDiff(ours, ffmpegFrame));
            assertTrue(meanAbsDiff(wrongWay, ffmpegFrame) > 10);
        }
        try (VideoReader r = VideoReader.open(rotated, VideoDecodeOptions.DEFAULT.withRotation(false))) {
            assertArrayEquals(plain.get(0).image().pixels(), r.sample(4, null).get(0).image().pixels());
        }
    }

    private static double meanAbsDiff(byte[] a, byte[] b) {
        long sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
        }
        return (double) sum / a.length;
    }
}
