package dev.vlmesh.engine.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad files fail with a clear {@link ImageDecodeException} and without allocating for their claimed size. */
class HostileImageTest {
    private static final long ALLOCATION_BUDGET = 32L << 20;

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static byte[] pngHeader(long width, long height) {
        byte[] ihdr = new byte[17];
        ihdr[0] = 'I';
        ihdr[1] = 'H';
        ihdr[2] = 'D';
        ihdr[3] = 'R';
        for (int i = 0; i < 4; i++) {
            ihdr[4 + i] = (byte) (width >>> (24 - 8 * i));
            ihdr[8 + i] = (byte) (height >>> (24 - 8 * i));
        }
        ihdr[12] = 8;
        ihdr[13] = 2;
        CRC32 crc = new CRC32();
        crc.update(ihdr);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13});
        out.writeBytes(ihdr);
        long c = crc.getValue();
        out.writeBytes(new byte[] {(byte) (c >>> 24), (byte) (c >>> 16), (byte) (c >>> 8), (byte) c});
        // an IDAT that would inflate to gigabytes is never reached
        out.writeBytes(new byte[] {0, 0, 0, 0, 'I', 'D', 'A', 'T', 0x35, (byte) 0xAF, 0x06, 0x1E});
        return out.toByteArray();
    }

    @Test
    void giantPngHeaderIsRefusedBeforeDecoding(@TempDir Path dir) throws IOException {
        byte[] png = pngHeader(100_000, 100_000);
        ImageInfo info = ImageProbe.probe(png);
        assertEquals(ImageFormat.PNG, info.format());
        assertEquals(100_000, info.width());
        Path file = dir.resolve("huge.png");
        Files.write(file, png);
        ImagePreprocessor pre = new ImagePreprocessor(448, 12, ImageLimits.DEFAULT);
        long before = allocatedBytes();
        ImageLimitException e = assertThrows(ImageLimitException.class, () -> pre.load(file));
        long used = allocatedBytes() - before;
        assertTrue(e.getMessage().contains("100000x100000"), e.getMessage());
        assertTrue(used < ALLOCATION_BUDGET, "allocated " + used + " bytes refusing a header");
        assertThrows(ImageLimitException.class, () -> pre.load(png));
    }

    @Test
    void zipRenamedToJpgIsNotAnImage(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("photo.jpg"));
            zip.write(new byte[4096]);
            zip.closeEntry();
        }
        Path file = dir.resolve("photo.jpg");
        Files.write(file, bytes.toByteArray());
        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> new ImageDecoder(ImageLimits.DEFAULT).decode(file));
        assertTrue(e.getMessage().contains("unrecognised image format"), e.getMessage());
    }

    @Test
    void fileOverTheSizeLimitIsRefusedUnread(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("big.png");
        Files.write(file, new byte[2048]);
        ImageDecoder d = new ImageDecoder(new ImageLimits(1024, 1_000_000));
        ImageLimitException e = assertThrows(ImageLimitException.class, () -> d.decode(file));
        assertTrue(e.getMessage().contains("2048 bytes"), e.getMessage());
    }

    @Test
    void truncatedFixtureImagesFailClearly() throws IOException {
        int tried = 0;
        try (var files = Files.list(InputFixtures.file("preprocess/images"))) {
            for (Path p : files.sorted().toList()) {
                byte[] all = Files.readAllBytes(p);
                // A GIF cut inside its second frame still has a whole first frame (Pillow reads it too).
                boolean multiFrame = p.getFileName().toString().endsWith(".gif");
                for (int cut : new int[] {all.length / 3, multiFrame ? -1 : all.length - 24, 20, 4}) {
                    if (cut <= 0 || cut >= all.length) {
                        continue;
                    }
                    byte[] head = Arrays.copyOf(all, cut);
                    long before = allocatedBytes();
                    ImageDecodeException e = assertThrows(ImageDecodeException.class,
                            () -> new ImageDecoder(ImageLimits.DEFAULT).decode(head), p.getFileName() + " cut at " + cut);
                    assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
                    assertTrue(allocatedBytes() - before < ALLOCATION_BUDGET, p.getFileName() + " cut at " + cut);
                    tried++;
                }
            }
        }
        assertTrue(tried > 20, "too few truncation cases: " + tried);
    }

    @Test
    void emptyAndGarbageInputsFailClearly() {
        ImageDecoder d = new ImageDecoder(ImageLimits.DEFAULT);
        assertThrows(ImageDecodeException.class, () -> d.decode(new byte[0]));
        assertThrows(ImageDecodeException.class, () -> d.decode("GIF89a".getBytes()));
        assertThrows(ImageDecodeException.class, () -> d.decode(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}));
        assertThrows(ImageDecodeException.class, () -> d.decode("BM not really a bitmap".getBytes()));
    }
}
