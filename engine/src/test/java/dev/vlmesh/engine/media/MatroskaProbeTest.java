package dev.vlmesh.engine.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class MatroskaProbeTest {
    private final MediaProbe probe = new MediaProbe(MediaLimits.DEFAULT);

    @Test
    void readsDurationSizeFramesAndCodec() throws IOException {
        MediaInfo info = probe.probe(WebmBuilder.video().size(1920, 1080).durationMs(12_000.0)
                .defaultDurationNs(40_000_000).bytes());
        assertEquals(MediaFormat.WEBM, info.format());
        assertEquals(1920, info.width());
        assertEquals(1080, info.height());
        assertEquals(12.0, info.durationSeconds());
        assertEquals(300L, info.frameCount());
        assertEquals("vp9", info.codec());
    }

    @Test
    void matroskaDocType() throws IOException {
        MediaInfo info = probe.probe(WebmBuilder.video().docType("matroska").codec("V_MPEG4/ISO/AVC").bytes());
        assertEquals(MediaFormat.MKV, info.format());
        assertEquals("h264", info.codec());
    }

    @Test
    void liveRecordingWithUnknownSizesAndNoDuration() throws IOException {
        MediaInfo info = probe.probe(WebmBuilder.video().live().durationMs(null).bytes());
        assertNull(info.durationSeconds());
        assertNull(info.frameCount());
        assertEquals(320, info.width());
    }

    @Test
    void metadataAfterTheClustersIsFoundThroughTheSeekHead() throws IOException {
        MediaInfo info = probe.probe(WebmBuilder.video().metadataAtEnd().size(800, 600).durationMs(2000.0).bytes());
        assertEquals(800, info.width());
        assertEquals(2.0, info.durationSeconds());
    }

    @Test
    void forgedDurationIsCaughtByTheLimit() {
        MediaLimitException e = assertThrows(MediaLimitException.class,
                () -> probe.probe(WebmBuilder.video().durationMs(1e15).bytes()));
        assertEquals(MediaLimitException.Limit.DURATION, e.limit());
    }

    @Test
    void forgedFrameRateIsCaughtByTheFrameLimit() {
        // one frame per nanosecond over ten seconds
        MediaLimitException e = assertThrows(MediaLimitException.class,
                () -> probe.probe(WebmBuilder.video().durationMs(10_000.0).defaultDurationNs(1).bytes()));
        assertEquals(MediaLimitException.Limit.FRAMES, e.limit());
    }

    @Test
    void nanDurationIsCorrupt() {
        assertThrows(MalformedMediaException.class, () -> probe.probe(WebmBuilder.video().durationMs(Double.NaN)
                .bytes()));
    }

    @Test
    void segmentRunningPastTheEndIsATruncatedFile() {
        MalformedMediaException e = assertThrows(MalformedMediaException.class,
                () -> probe.probe(WebmBuilder.video().segmentClaimsExtra(5000).bytes()));
        assertTrue(e.getMessage().contains("past the end of the file"), e.getMessage());
    }

    @Test
    void cutInsideTheHeaderIsRefused() {
        byte[] full = WebmBuilder.video().bytes();
        assertThrows(MalformedMediaException.class, () -> probe.probe(TestImages.truncate(full, 90)));
    }

    @Test
    void audioOnlyIsNotAVideo() {
        assertThrows(UnsupportedMediaException.class, () -> probe.probe(WebmBuilder.video().trackType(2)
                .codec("A_OPUS").bytes()));
    }
}
