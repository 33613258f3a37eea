package dev.vlmesh.engine.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads only an image's header: the format from its magic bytes, and its width and height, without decoding or
 * allocating pixels. A 100 000 × 100 000 PNG costs a few dozen bytes of reading here. For GIF the size is the
 * logical screen grown to cover the first frame, as Pillow reports it; for JPEG it is the SOF frame size (no EXIF
 * rotation: the reference does not apply it).
 */
public final class ImageProbe {
    private ImageProbe() {
    }

    /** Random access to the bytes of an image (a file or an array). */
    private interface Source {
        long size();

        /** Reads up to len bytes at pos; returns the count read (less only at the end). */
        int read(long pos, byte[] buf, int len) throws IOException;
    }

    public static ImageInfo probe(byte[] data) throws ImageDecodeException {
        try {
            return probe(new Source() {
                public long size() {
                    return data.length;
                }

                public int read(long pos, byte[] buf, int len) {
                    if (pos >= data.length) {
                        return 0;
                    }
                    int n = (int) Math.min(len, data.length - pos);
                    System.arraycopy(data, (int) pos, buf, 0, n);
                    return n;
                }
            });
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageDecodeException("cannot read image header: " + e.getMessage(), e);
        }
    }

    public static ImageInfo probe(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            return probe(new Source() {
                public long size() {
                    return size;
                }

                public int read(long pos, byte[] buf, int len) throws IOException {
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
                    int total = 0;
                    while (bb.hasRemaining()) {
                        int n = ch.read(bb, pos + total);
                        if (n <= 0) {
                            break;
                        }
                        total += n;
                    }
                    return total;
                }
            });
        }
    }

    private static ImageInfo probe(Source src) throws IOException {
        byte[] head = new byte[32];
        int n = src.read(0, head, head.length);
        if (n >= 3 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xD8 && (head[2] & 0xFF) == 0xFF) {
            return jpeg(src);
        }
        if (n >= 8 && (head[0] & 0xFF) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G'
                && head[4] == '\r' && head[5] == '\n' && head[6] == 0x1A && head[7] == '\n') {
            if (n < 24 || head[12] != 'I' || head[13] != 'H' || head[14] != 'D' || head[15] != 'R') {
                throw new ImageDecodeException("corrupt PNG: no IHDR header");
            }
            long w = u32be(head, 16);
            long h = u32be(head, 20);
            return sized(ImageFormat.PNG, w, h, 0);
        }
        if (n >= 6 && head[0] == 'G' && head[1] == 'I' && head[2] == 'F' && head[3] == '8'
                && (head[4] == '7' || head[4] == '9') && head[5] == 'a') {
            return gif(src);
        }
        if (n >= 2 && head[0] == 'B' && head[1] == 'M') {
            if (n < 26) {
                throw new ImageDecodeException("truncated BMP header");
            }
            long dib = u32le(head, 14);
            long w;
            long h;
            if (dib == 12) {
                w = u16le(head, 18);
                h = u16le(head, 20);
            } else if (dib >= 40) {
                w = (int) u32le(head, 18);
                h = Math.abs((long) (int) u32le(head, 22));
            } else {
                throw new ImageDecodeException("unsupported BMP header size " + dib);
            }
            return sized(ImageFormat.BMP, w, h, 0);
        }
        if (n >= 12 && head[0] == 'R' && head[1] == 'I' && head[2] == 'F' && head[3] == 'F' && head[8] == 'W'
                && head[9] == 'E' && head[10] == 'B' && head[11] == 'P') {
            return webp(head, n);
        }
        throw new ImageDecodeException("unrecognised image format (not JPEG, PNG, GIF, BMP or WebP)");
    }

    private static ImageInfo sized(ImageFormat f, long w, long h, int components) throws ImageDecodeException {
        if (w < 1 || h < 1 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
            throw new ImageDecodeException("corrupt " + f + ": image size " + w + "x" + h);
        }
        return new ImageInfo(f, (int) w, (int) h, components);
    }

    private static ImageInfo jpeg(Source src) throws IOException {
        long pos = 2;
        byte[] b = new byte[10];
        while (true) {
            if (src.read(pos, b, 2) < 2) {
                throw new ImageDecodeException("truncated JPEG: no frame header (SOF) before the end of the file");
            }
            if ((b[0] & 0xFF) != 0xFF) {
                throw new ImageDecodeException("corrupt JPEG: expected a marker at byte " + pos);
            }
            int marker = b[1] & 0xFF;
            if (marker == 0xFF) {
                pos++; // fill byte
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                pos += 2;
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA) {
                throw new ImageDecodeException("corrupt JPEG: no frame header (SOF) before the scan data");
            }
            if (src.read(pos + 2, b, 2) < 2) {
                throw new ImageDecodeException("truncated JPEG: marker segment at byte " + pos);
            }
            int len = u16be(b, 0);
            if (len < 2) {
                throw new ImageDecodeException("corrupt JPEG: segment length " + len + " at byte " + pos);
            }
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                if (len < 8 || src.read(pos + 4, b, 6) < 6) {
                    throw new ImageDecodeException("truncated JPEG frame header");
                }
                int h = u16be(b, 1);
                int w = u16be(b, 3);
                int comps = b[5] & 0xFF;
                if (h == 0) {
                    throw new ImageDecodeException("unsupported JPEG: height defined later by a DNL marker");
                }
                return sized(ImageFormat.JPEG, w, h, comps);
            }
            pos += 2 + len;
            if (pos >= src.size()) {
                throw new ImageDecodeException("truncated JPEG: no frame header (SOF) before the end of the file");
            }
        }
    }

    private static ImageInfo gif(Source src) throws IOException {
        byte[] b = new byte[16];
        if (src.read(6, b, 7) < 7) {
            throw new ImageDecodeException("truncated GIF header");
        }
        int w = u16le(b, 0);
        int h = u16le(b, 2);
        int flags = b[4] & 0xFF;
        long pos = 13;
        if ((flags & 0x80) != 0) {
            pos += 3L << ((flags & 7) + 1);
        }
        // Pillow grows the canvas to hold the first frame: find its image descriptor.
        while (true) {
            if (src.read(pos, b, 1) < 1) {
                throw new ImageDecodeException("truncated GIF: no image before the end of the file");
            }
            int kind = b[0] & 0xFF;
            if (kind == 0x2C) {
                if (src.read(pos + 1, b, 9) < 9) {
                    throw new ImageDecodeException("truncated GIF image descriptor");
                }
                int x1 = u16le(b, 0) + u16le(b, 4);
                int y1 = u16le(b, 2) + u16le(b, 6);
                return sized(ImageFormat.GIF, Math.max(w, x1), Math.max(h, y1), 0);
            } else if (kind == 0x21) {
                pos += 2;
                while (true) {
                    if (src.read(pos, b, 1) < 1) {
                        throw new ImageDecodeException("truncated GIF extension block");
                    }
                    int len = b[0] & 0xFF;
                    pos += 1 + len;
                    if (len == 0) {
                        break;
                    }
                }
            } else {
                throw new ImageDecodeException("corrupt GIF: no image in the file (block 0x"
                        + Integer.toHexString(kind) + ")");
            }
        }
    }

    private static ImageInfo webp(byte[] h, int n) throws ImageDecodeException {
        if (n < 30) {
            throw new ImageDecodeException("truncated WebP header");
        }
        String chunk = new String(h, 12, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
        switch (chunk) {
            case "VP8 " -> {
                if ((h[23] & 0xFF) != 0x9D || (h[24] & 0xFF) != 0x01 || (h[25] & 0xFF) != 0x2A) {
                    throw new ImageDecodeException("corrupt WebP: bad VP8 start code");
                }
                return sized(ImageFormat.WEBP, u16le(h, 26) & 0x3FFF, u16le(h, 28) & 0x3FFF, 3);
            }
            case "VP8L" -> {
                if ((h[20] & 0xFF) != 0x2F) {
                    throw new ImageDecodeException("corrupt WebP: bad VP8L signature");
                }
                long bits = u32le(h, 21);
                return sized(ImageFormat.WEBP, (bits & 0x3FFF) + 1, ((bits >>> 14) & 0x3FFF) + 1, 0);
            }
            case "VP8X" -> {
                long w = 1 + ((h[24] & 0xFF) | ((h[25] & 0xFF) << 8) | ((h[26] & 0xFF) << 16));
                long hh = 1 + ((h[27] & 0xFF) | ((h[28] & 0xFF) << 8) | ((h[29] & 0xFF) << 16));
                return sized(ImageFormat.WEBP, w, hh, 0);
            }
            default -> throw new ImageDecodeException("corrupt WebP: unknown first chunk '" + chunk + "'");
        }
    }

    static int u16be(byte[] b, int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }

    static int u16le(byte[] b, int p) {
        return (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8);
    }

    static long u32be(byte[] b, int p) {
        return ((b[p] & 0xFFL) << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
    }

    static long u32le(byte[] b, int p) {
        return (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8) | ((b[p + 2] & 0xFF) << 16) | ((b[p + 3] & 0xFFL) << 24);
    }
}
