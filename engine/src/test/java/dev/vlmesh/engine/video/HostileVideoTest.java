package dev.vlmesh.engine.video;

import dev.vlmesh.engine.image.InputFixtures;
import dev.vlmesh.engine.media.MalformedMediaException;
import dev.vlmesh.engine.media.MediaException;
import dev.vlmesh.engine.media.MediaLimitException;
import dev.vlmesh.engine.media.MediaLimits;
import dev.vlmesh.engine.media.UnsupportedMediaException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damaged and lying videos end in a typed exception with a stable code and a message for the sender — never a
 * hang, a crash of the JVM, or frames made up from garbage.
 */
class HostileVideoTest {
    static final String H264 = "video/clips/h264_160x120_10fps_16f.mp4";
    static final String VP9 = "video/clips/vp9_112x80_24fps_18f.webm";

    @TempDir
    Path dir;

    private Path write(String name, byte[] data) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, data);
        return p;
    }

    private static byte[] fixture(String rel) throws IOException {
        return Files.readAllBytes(InputFixtures.file(rel));
    }

    /** Opens and samples 8 frames (the whole job path of a reader). */
    private static void decode(Path file, VideoDecodeOptions options) throws IOException {
        try (VideoReader r = VideoReader.open(file, options)) {
            r.sample(8, null);
        }
    }

    private static <T extends Exception> T fails(Class<T> type, String code, Path file, VideoDecodeOptions o) {
        T e = assertThrows(type, () -> decode(file, o));
        if (e instanceof MediaException m) {
            assertEquals(code, m.code(), e.getMessage());
        }
        assertTrue(e.getMessage() != null && e.getMessage().length() > 20, "unhelpful message: " + e.getMessage());
        return e;
    }

    @Test
    void truncatedFilesAreRefused() throws IOException {
        byte[] mp4 = fixture(H264);
        // cut inside the media data: the index at the end is gone
        fails(MalformedMediaException.class, "media_invalid", write("cut.mp4", Arrays.copyOf(mp4, mp4.length / 2)),
                VideoDecodeOptions.DEFAULT);
        byte[] webm = fixture(VP9);
        fails(MediaException.class, "media_invalid", write("cut.webm", Arrays.copyOf(webm, webm.length * 2 / 3)),
                VideoDecodeOptions.DEFAULT);
        // a fast-start MP4 (index first) cut inside its samples
        Path fast = dir.resolve("fast.mp4");
        TestClips.ffmpeg("-i", InputFixtures.file(H264).toString(), "-c", "copy", "-movflags", "+faststart",
                fast.toString());
        byte[] f = Files.readAllBytes(fast);
        fails(MalformedMediaException.class, "media_invalid", write("fastcut.mp4", Arrays.copyOf(f, f.length - 4000)),
                VideoDecodeOptions.DEFAULT);
    }

    @Test
    void corruptPayloadIsRefused() throws IOException {
        byte[] mp4 = fixture(H264);
        Random rnd = new Random(7);
        // garbage over the middle of the mdat payload (the box structure stays intact)
        byte[] bad = mp4.clone();
        int from = 40 + 16 + 2000;
        for (int i = from; i < from + 9000; i++) {
            bad[i] = (byte) rnd.nextInt(256);
        }
        fails(MalformedMediaException.class, "media_invalid", write("garbage.mp4", bad), VideoDecodeOptions.DEFAULT);
        byte[] webm = fixture(VP9);
        byte[] badWebm = webm.clone();
        for (int i = 1500; i < 5500; i++) {
            badWebm[i] = (byte) rnd.nextInt(256);
        }
        fails(MediaException.class, "media_invalid", write("garbage.webm", badWebm), VideoDecodeOptions.DEFAULT);
    }

    @Test
    void codecsOutsideTheAllowListAreUnsupported() throws IOException {
        Path mpeg4 = TestClips.make(dir.resolve("mpeg4.mp4"), "mpeg4", 64, 48, 10, 1, 10);
        UnsupportedMediaException e = fails(UnsupportedMediaException.class, "unsupported_media", mpeg4,
                VideoDecodeOptions.DEFAULT);
        assertTrue(e.getMessage().contains("mpeg4"), e.getMessage());
        // a sample entry no decoder knows
        byte[] mp4 = fixture(H264);
        int at = lastIndexOf(mp4, "avc1");
        byte[] unknown = mp4.clone();
        System.arraycopy("zzz9".getBytes(StandardCharsets.US_ASCII), 0, unknown, at, 4);
        fails(UnsupportedMediaException.class, "unsupported_media", write("unknown.mp4", unknown),
                VideoDecodeOptions.DEFAULT);
    }

    @Test
    void aContainerThatClaimsAnotherCodecIsRefused() throws IOException {
        // WebM says VP8, the blocks are VP9
        byte[] webm = fixture(VP9);
        int at = lastIndexOf(webm, "V_VP9");
        byte[] vp8 = webm.clone();
        vp8[at + 4] = '8';
        MediaException e = fails(MediaException.class, "media_invalid", write("claims-vp8.webm", vp8),
                VideoDecodeOptions.DEFAULT);
        assertTrue(e.getMessage().contains("vp8"), e.getMessage());
        // MP4 says HEVC, the samples (and the decoder configuration) are H.264
        byte[] mp4 = fixture(H264);
        byte[] hevc = mp4.clone();
        System.arraycopy("hvc1".getBytes(StandardCharsets.US_ASCII), 0, hevc, lastIndexOf(mp4, "avc1"), 4);
        fails(MediaException.class, "media_invalid", write("claims-hevc.mp4", hevc), VideoDecodeOptions.DEFAULT);
    }

    @Test
    void forgedDurationsAndCountsMeetTheLimitsBeforeDecoding() throws IOException {
        byte[] mp4 = fixture(H264);
        // mvhd (version 0): size, 'mvhd', version+flags, created, modified, timescale, duration
        int mvhd = lastIndexOf(mp4, "mvhd");
        byte[] forged = mp4.clone();
        ByteBuffer.wrap(forged).putInt(mvhd + 4 + 4 + 4 + 4 + 4, 0x7fffffff);
        int mdhd = lastIndexOf(mp4, "mdhd");
        ByteBuffer.wrap(forged).putInt(mdhd + 4 + 4 + 4 + 4 + 4, 0x7fffffff);
        MediaLimitException e = fails(MediaLimitException.class, "media_too_large", write("forever.mp4", forged),
                VideoDecodeOptions.DEFAULT);
        assertEquals(MediaLimitException.Limit.DURATION, e.limit());
        // honest header, limits tighter than the clip
        MediaLimits d = MediaLimits.DEFAULT;
        MediaLimits fewFrames = new MediaLimits(d.maxImageBytes(), d.maxImagePixels(), d.maxVideoBytes(),
                d.maxVideoPixels(), d.maxVideoSeconds(), 10);
        assertEquals(MediaLimitException.Limit.FRAMES, fails(MediaLimitException.class, "media_too_large",
                InputFixtures.file(H264), VideoDecodeOptions.DEFAULT.withLimits(fewFrames)).limit());
        // WebM headers carry no frame count: the frame limit holds while the packets are indexed
        assertEquals(MediaLimitException.Limit.FRAMES, fails(MediaLimitException.class, "media_too_large",
                InputFixtures.file(VP9), VideoDecodeOptions.DEFAULT.withLimits(fewFrames)).limit());
        MediaLimits small = new MediaLimits(d.maxImageBytes(), d.maxImagePixels(), d.maxVideoBytes(), 100 * 100,
                d.maxVideoSeconds(), d.maxVideoFrames());
        assertEquals(MediaLimitException.Limit.PIXELS, fails(MediaLimitException.class, "media_too_large",
                InputFixtures.file(H264), VideoDecodeOptions.DEFAULT.withLimits(small)).limit());
    }

    @Test
    void decodingHasATimeBudget() throws IOException {
        Path clip = TestClips.make(dir.resolve("long.webm"), "libvpx-vp9", 160, 120, 25, 20, 250);
        // A budget far below what decoding 250 frames takes on any machine: the test must not depend on how fast
        // this one is (a 200 ms budget passed unexpired on a quiet CI host).
        VideoDecodeTimeoutException e = assertThrows(VideoDecodeTimeoutException.class, () -> {
            try (VideoReader r = VideoReader.open(clip, VideoDecodeOptions.DEFAULT.withBudget(Duration.ofMillis(1)))) {
                r.forceSequential();
                r.sample(32, null);
            }
        });
        assertEquals("video_decode_timeout", e.code());
    }

    @Test
    void theBudgetCountsDecodingNotTheTimeBetweenCalls() throws IOException {
        // A clock that moves only when told: 10 minutes pass between two windows (segment mode describes a window
        // before it asks for the next), and the reader, with a 1 s budget, still decodes the next window.
        AtomicLong now = new AtomicLong();
        AtomicLong tick = new AtomicLong();
        LongSupplier clock = () -> now.addAndGet(tick.get());
        VideoDecodeOptions oneSecond = VideoDecodeOptions.DEFAULT.withBudget(Duration.ofSeconds(1));
        try (VideoReader r = VideoReader.open(InputFixtures.file(H264), oneSecond, clock)) {
            VideoReader.Windows w = r.windows(0.5, 2, null);
            assertEquals(0, w.next().segment());
            now.addAndGet(Duration.ofMinutes(10).toNanos());
            assertEquals(1, w.next().segment(), "idle time between calls counted against the budget");
            // while the reader works the clock still counts: 100 ms per look at it ends the next window's decoding
            tick.set(Duration.ofMillis(100).toNanos());
            VideoDecodeTimeoutException e = assertThrows(VideoDecodeTimeoutException.class, w::next);
            assertEquals("video_decode_timeout", e.code());
        }
    }

    @Test
    void imagesAndNonMediaAreNotVideos() throws IOException {
        fails(UnsupportedMediaException.class, "unsupported_media",
                InputFixtures.file("preprocess/images/rgb_320x240.jpg"), VideoDecodeOptions.DEFAULT);
        fails(UnsupportedMediaException.class, "unsupported_media",
                write("notes.mp4", "just text, named like a video".getBytes(StandardCharsets.UTF_8)),
                VideoDecodeOptions.DEFAULT);
    }

    private static int lastIndexOf(byte[] data, String ascii) {
        byte[] n = ascii.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = data.length - n.length; i >= 0; i--) {
            for (int j = 0; j < n.length; j++) {
                if (data[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException(ascii + " not found");
    }
}
