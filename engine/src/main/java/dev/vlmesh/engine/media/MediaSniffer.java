package dev.vlmesh.engine.media;

import java.io.IOException;
import java.util.Set;

/**
 * Tells the format from the first bytes of the content. Anything else is refused with what it appears to be (a ZIP
 * archive renamed {@code photo.jpg} is still a ZIP archive).
 */
public final class MediaSniffer {
    /** Enough for every signature checked here, including an EBML header with its DocType. */
    static final int HEAD_BYTES = 64;

    /** ISO-BMFF brands of still-image containers (HEIF, AVIF) and of audio-only files. */
    private static final Set<String> IMAGE_BRANDS = Set.of("heic", "heix", "hevc", "hevx", "heim", "heis", "hevm",
            "hevs", "mif1", "msf1", "avif", "avis", "crx ");
    private static final Set<String> AUDIO_BRANDS = Set.of("M4A ", "M4B ", "M4P ", "F4A ", "F4B ");
    /** Box types a QuickTime file written without 'ftyp' may start with. */
    private static final Set<String> QUICKTIME_FIRST_BOXES = Set.of("moov", "mdat", "wide", "free", "skip", "pnot");

    private MediaSniffer() {
    }

    public static MediaFormat sniff(RandomAccessSource src) throws IOException {
        if (src.size() == 0) {
            throw new MalformedMediaException("the file is empty");
        }
        byte[] h = Bytes.readUpTo(src, 0, HEAD_BYTES);
        int n = h.length;
        if (n >= 3 && u(h, 0) == 0xFF && u(h, 1) == 0xD8 && u(h, 2) == 0xFF) {
            return MediaFormat.JPEG;
        }
        if (starts(h, 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n')) {
            return MediaFormat.PNG;
        }
        if (n >= 6 && starts(h, 'G', 'I', 'F', '8') && (h[4] == '7' || h[4] == '9') && h[5] == 'a') {
            return MediaFormat.GIF;
        }
        if (n >= 12 && starts(h, 'R', 'I', 'F', 'F')) {
            String form = Bytes.ascii(h, 8, 4);
            return switch (form) {
                case "WEBP" -> MediaFormat.WEBP;
                case "AVI " -> throw unsupported("an AVI video; convert it to MP4 or WebM", "AVI video");
                case "WAVE" -> throw unsupported("WAV audio, not an image or a video", "WAV audio");
                default -> throw unsupported("a RIFF '" + Bytes.fourcc(h, 8) + "' file", "RIFF file");
            };
        }
        if (n >= 26 && h[0] == 'B' && h[1] == 'M' && plausibleBmp(h)) {
            return MediaFormat.BMP;
        }
        if (n >= 4 && u(h, 0) == 0x1A && u(h, 1) == 0x45 && u(h, 2) == 0xDF && u(h, 3) == 0xA3) {
            return MatroskaProbe.docTypeFormat(src);
        }
        if (n >= 12 && Bytes.ascii(h, 4, 4).equals("ftyp")) {
            String brand = Bytes.ascii(h, 8, 4);
            if (IMAGE_BRANDS.contains(brand)) {
                throw unsupported("a HEIF/AVIF image (brand '" + brand.trim() + "'); convert it to JPEG or PNG",
                        "HEIF/AVIF image");
            }
            if (AUDIO_BRANDS.contains(brand)) {
                throw unsupported("MPEG-4 audio (brand '" + brand.trim() + "'), not a video", "MPEG-4 audio");
            }
            return brand.equals("qt  ") ? MediaFormat.MOV : MediaFormat.MP4;
        }
        if (n >= 8 && QUICKTIME_FIRST_BOXES.contains(Bytes.ascii(h, 4, 4))) {
            long size = Bytes.u32be(h, 0);
            if (size == 0 || size == 1 || size >= 8) {
                return MediaFormat.MOV;
            }
        }
        throw recognisedOther(h);
    }

    private static UnsupportedMediaException recognisedOther(byte[] h) {
        int n = h.length;
        if (starts(h, 'P', 'K', 3, 4) || starts(h, 'P', 'K', 5, 6) || starts(h, 'P', 'K', 7, 8)) {
            return unsupported("a ZIP archive", "ZIP archive");
        }
        if (starts(h, '%', 'P', 'D', 'F')) {
            return unsupported("a PDF document; export its pages as PNG images", "PDF document");
        }
        if (starts(h, 0x1F, 0x8B)) {
            return unsupported("a gzip archive", "gzip archive");
        }
        if (starts(h, 'R', 'a', 'r', '!')) {
            return unsupported("a RAR archive", "RAR archive");
        }
        if (starts(h, '7', 'z', 0xBC, 0xAF, 0x27, 0x1C)) {
            return unsupported("a 7-Zip archive", "7-Zip archive");
        }
        if (starts(h, 'I', 'I', '*', 0) || starts(h, 'M', 'M', 0, '*')) {
            return unsupported("a TIFF image; convert it to PNG or JPEG", "TIFF image");
        }
        if (starts(h, 0, 0, 0, 0x0C, 'j', 'P', ' ', ' ')) {
            return unsupported("a JPEG 2000 image; convert it to PNG or JPEG", "JPEG 2000 image");
        }
        if (starts(h, '8', 'B', 'P', 'S')) {
            return unsupported("a Photoshop document; export it as PNG or JPEG", "Photoshop document");
        }
        if (starts(h, 0x7F, 'E', 'L', 'F') || starts(h, 'M', 'Z')) {
            return unsupported("an executable program", "executable");
        }
        if (starts(h, 'O', 'g', 'g', 'S')) {
            return unsupported("an Ogg stream; convert it to MP4 or WebM", "Ogg stream");
        }
        if (starts(h, 'I', 'D', '3') || (n >= 2 && u(h, 0) == 0xFF && (u(h, 1) & 0xE0) == 0xE0)) {
            return unsupported("MP3 audio, not an image or a video", "MP3 audio");
        }
        if (n >= 2 && u(h, 0) == 0 && u(h, 1) == 0 && n >= 4 && u(h, 2) == 1 && u(h, 3) == 0xBA) {
            return unsupported("an MPEG program stream; convert it to MP4", "MPEG-PS video");
        }
        String text = Bytes.ascii(h, 0, n).stripLeading().toLowerCase();
        if (text.startsWith("<?xml") || text.startsWith("<svg") || text.startsWith("<!doctype") || text.startsWith("<html")) {
            return unsupported("XML/HTML text (SVG and other vector images are not supported)", "XML/HTML text");
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(8, n); i++) {
            hex.append(String.format("%02x", h[i] & 0xFF));
        }
        return new UnsupportedMediaException("unsupported media: the content (starting 0x" + hex
                + ") is not one of " + MediaFormat.ACCEPTED, null);
    }

    private static UnsupportedMediaException unsupported(String what, String detected) {
        return new UnsupportedMediaException("unsupported media: by its content the file is " + what + "; vlmesh accepts "
                + MediaFormat.ACCEPTED, detected);
    }

    /** "BM" alone is two bytes; the DIB header size must be one of the known ones to call it a bitmap. */
    private static boolean plausibleBmp(byte[] h) {
        long dib = Bytes.u32le(h, 14);
        long dataOffset = Bytes.u32le(h, 10);
        boolean knownDib = dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124;
        return knownDib && dataOffset >= 14 + dib;
    }

    private static boolean starts(byte[] h, int... sig) {
        if (h.length < sig.length) {
            return false;
        }
        for (int i = 0; i < sig.length; i++) {
            if ((h[i] & 0xFF) != (sig[i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    private static int u(byte[] h, int i) {
        return h[i] & 0xFF;
    }
}
