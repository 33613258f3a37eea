package dev.vlmesh.engine.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MediaSnifferTest {

    private static MediaFormat sniff(byte[] b) throws IOException {
        return MediaSniffer.sniff(RandomAccessSource.of(b));
    }

    @Test
    void recognisesEveryAcceptedFormatByContent() throws IOException {
        assertEquals(MediaFormat.JPEG, sniff(TestImages.jpeg(16, 16)));
        assertEquals(MediaFormat.PNG, sniff(TestImages.png(16, 16)));
        assertEquals(MediaFormat.GIF, sniff(TestImages.gif(16, 16)));
        assertEquals(MediaFormat.BMP, sniff(TestImages.bmp(16, 16)));
        assertEquals(MediaFormat.WEBP, sniff(TestImages.webp(16, 16)));
        assertEquals(MediaFormat.MP4, sniff(Mp4Builder.video().bytes()));
        assertEquals(MediaFormat.MOV, sniff(Mp4Builder.video().brand("qt  ").bytes()));
        assertEquals(MediaFormat.WEBM, sniff(WebmBuilder.video().bytes()));
        assertEquals(MediaFormat.MKV, sniff(WebmBuilder.video().docType("matroska").bytes()));
    }

    @Test
    void zipRenamedToJpgIsAZipArchive() {
        byte[] zip = TestImages.zip("photo.jpg", TestImages.jpeg(8, 8));
        UnsupportedMediaException e = assertThrows(UnsupportedMediaException.class, () -> sniff(zip));
        assertEquals("ZIP archive", e.detected());
        assertTrue(e.getMessage().contains("ZIP archive"), e.getMessage());
        assertEquals("unsupported_media", e.code());
    }

    @Test
    void namesOtherKnownFormats() {
        assertEquals("PDF document", detected("%PDF-1.7\n%âãÏÓ\n1 0 obj".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals("HEIF/AVIF image", detected(Mp4Builder.video().brand("heic").bytes()));
        assertEquals("MPEG-4 audio", detected(Mp4Builder.video().brand("M4A ").bytes()));
        assertEquals("AVI video", detected("RIFF\0\0\0\0AVI LIST".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals("TIFF image", detected(new byte[] {'I', 'I', '*', 0, 8, 0, 0, 0}));
        assertEquals("executable", detected(new byte[] {0x7F, 'E', 'L', 'F', 2, 1, 1, 0}));
        assertEquals("XML/HTML text", detected("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes()));
        assertEquals("EBML mkv3d", detected(WebmBuilder.video().docType("mkv3d").bytes()));
        assertEquals(null, detected("just some text, not media".getBytes()));
    }

    @Test
    void bmPrefixAloneIsNotABitmap() {
        assertEquals(null, detected("BM is also how this sentence starts".getBytes()));
    }

    @Test
    void emptyFileIsMalformed() {
        assertThrows(MalformedMediaException.class, () -> sniff(new byte[0]));
    }

    private static String detected(byte[] b) {
        return assertThrows(UnsupportedMediaException.class, () -> sniff(b)).detected();
    }
}
