package dev.vlmesh.engine.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.image.ImageDecoder;
import dev.vlmesh.engine.image.ImageLimits;
import dev.vlmesh.engine.image.RgbImage;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageProbeTest {
    private final MediaProbe probe = new MediaProbe(MediaLimits.DEFAULT);

    @Test
    void readsSizeOfEveryImageFormat() throws IOException {
        check(TestImages.jpeg(321, 123), MediaFormat.JPEG, 321, 123);
        check(TestImages.png(300, 200), MediaFormat.PNG, 300, 200);
        check(TestImages.gif(64, 48), MediaFormat.GIF, 64, 48);
        check(TestImages.bmp(33, 17), MediaFormat.BMP, 33, 17);
        check(TestImages.webp(640, 480), MediaFormat.WEBP, 640, 480);
    }

    @Test
    void handBuiltWebpIsARealWebp() throws IOException {
        RgbImage img = new ImageDecoder(ImageLimits.DEFAULT).decode(TestImages.webp(5, 3));
        assertEquals(5, img.width());
        assertEquals(3, img.height());
    }

    @Test
    void filesAndArraysAgree(@TempDir Path dir) throws IOException {
        byte[] jpeg = TestImages.jpeg(100, 50);
        Path f = dir.resolve("x.bin");
        Files.write(f, jpeg);
        assertEquals(probe.probe(jpeg), probe.probe(f));
    }

    @Test
    void decompressionBombHeaderIsRefusedWithoutAllocatingPixels() {
        byte[] bomb = TestImages.pngHeaderOnly(100_000, 100_000);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        MediaLimitException e = assertThrows(MediaLimitException.class, () -> probe.probe(bomb));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(MediaLimitException.Limit.PIXELS, e.limit());
        assertEquals(1e10, e.actual());
        assertTrue(e.getMessage().contains("100000x100000"), e.getMessage());
        // 30 GB of pixels were never allocated: the probe read a few dozen bytes
        assertTrue(allocated < (1 << 20), "probe allocated " + allocated + " bytes");
    }

    @Test
    void fileSizeIsCheckedBeforeTheHeader() {
        MediaProbe tight = new MediaProbe(new MediaLimits(100, 1000, 1000, 1000, 10, 10));
        byte[] corrupt = TestImages.png(64, 64);
        corrupt[12] = 'X'; // IHDR name broken: a header parse would fail, the size check comes first
        MediaLimitException e = assertThrows(MediaLimitException.class, () -> tight.probe(corrupt));
        assertEquals(MediaLimitException.Limit.FILE_SIZE, e.limit());
    }

    @Test
    void truncatedImagesAreRefused() {
        for (String f : new String[] {"png", "jpeg", "gif", "bmp"}) {
            byte[] full = TestImages.encode(f, 200, 150);
            byte[] cut = TestImages.truncate(full, full.length * 2 / 3);
            MalformedMediaException e = assertThrows(MalformedMediaException.class, () -> probe.probe(cut), f);
            assertTrue(e.getMessage().startsWith("truncated"), f + ": " + e.getMessage());
        }
        byte[] webp = TestImages.webp(10, 10);
        assertTrue(assertThrows(MalformedMediaException.class,
                () -> probe.probe(TestImages.truncate(webp, webp.length - 3))).getMessage().startsWith("truncated"));
    }

    @Test
    void jpegCutBeforeItsFrameHeaderIsRefused() {
        byte[] jpeg = TestImages.jpeg(64, 64);
        MalformedMediaException e = assertThrows(MalformedMediaException.class,
                () -> probe.probe(TestImages.truncate(jpeg, 40)));
        assertTrue(e.getMessage().contains("JPEG"), e.getMessage());
    }

    @Test
    void trailingBytesAfterTheEndMarkerAreAccepted() throws IOException {
        byte[] jpeg = TestImages.jpeg(64, 64);
        byte[] withTrailer = java.util.Arrays.copyOf(jpeg, jpeg.length + 100);
        check(withTrailer, MediaFormat.JPEG, 64, 64);
    }

    private void check(byte[] data, MediaFormat f, int w, int h) throws IOException {
        MediaInfo info = probe.probe(data);
        assertEquals(f, info.format());
        assertEquals(MediaKind.IMAGE, info.kind());
        assertEquals(w, info.width());
        assertEquals(h, info.height());
        assertEquals(data.length, info.sizeBytes());
        assertNull(info.durationSeconds());
    }
}
