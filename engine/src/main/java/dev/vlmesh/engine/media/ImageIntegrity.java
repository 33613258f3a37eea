package dev.vlmesh.engine.media;

import java.io.IOException;

/**
 * Checks that an image file is complete, by its structure rather than by decoding it: the PNG chunk chain reaches
 * IEND, the JPEG reaches its end-of-image marker, the GIF block chain reaches its trailer, the BMP holds its pixel
 * rows and the WebP holds its RIFF payload. A truncated upload is refused here, at ingest, rather than by a worker.
 * Each check reads the file once at most, sequentially.
 */
final class ImageIntegrity {
    private ImageIntegrity() {
    }

    static void check(RandomAccessSource src, MediaFormat format) throws IOException {
        switch (format) {
            case PNG -> png(src);
            case JPEG -> jpeg(src);
            case GIF -> gif(src);
            case BMP -> bmp(src);
            case WEBP -> webp(src);
            default -> throw new IllegalArgumentException(format + " is not an image");
        }
    }

    private static void png(RandomAccessSource src) throws IOException {
        long size = src.size();
        long pos = 8;
        boolean first = true;
        while (true) {
            if (size - pos < 12) {
                throw truncated("PNG", "no IEND chunk: the file ends at byte " + size + " in the middle of the image"
                        + " data");
            }
            byte[] h = Bytes.readExactly(src, pos, 8, "PNG chunk header");
            long len = Bytes.u32be(h, 0);
            String type = Bytes.fourcc(h, 4);
            if (len > 0x7FFFFFFFL) {
                throw corrupt("PNG", "chunk '" + type + "' at byte " + pos + " declares " + len + " bytes");
            }
            if (first && !type.equals("IHDR")) {
                throw corrupt("PNG", "the first chunk is '" + type + "', not IHDR");
            }
            first = false;
            if (len + 12 > size - pos) {
                throw truncated("PNG", "chunk '" + type + "' at byte " + pos + " needs " + (len + 12)
                        + " bytes but the file ends at byte " + size);
            }
            if (type.equals("IEND")) {
                return;
            }
            pos += len + 12;
        }
    }

    /** Marker segments up to the first scan, then entropy-coded data (and any further segments) up to EOI. */
    private static void jpeg(RandomAccessSource src) throws IOException {
        SequentialReader in = new SequentialReader(src, 2);
        boolean inScan = false;
        while (true) {
            int b = in.next();
            if (b < 0) {
                throw truncated("JPEG", "no end-of-image marker: the file ends at byte " + src.size()
                        + (inScan ? " in the middle of the compressed image data" : " before the image data"));
            }
            if (b != 0xFF) {
                if (!inScan) {
                    throw corrupt("JPEG", "expected a marker at byte " + (in.position() - 1));
                }
                continue;
            }
            int m = in.next();
            while (m == 0xFF) {
                m = in.next();
            }
            if (m < 0) {
                continue; // reported as truncated on the next turn
            }
            if (m == 0x00 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) {
                continue; // stuffed byte, restart marker, TEM: no length
            }
            if (m == 0xD9) {
                return;
            }
            if (m == 0xD8) {
                throw corrupt("JPEG", "a second start-of-image marker at byte " + (in.position() - 2));
            }
            int hi = in.next();
            int lo = in.next();
            if (lo < 0) {
                continue;
            }
            int len = (hi << 8) | lo;
            if (len < 2) {
                throw corrupt("JPEG", "segment length " + len + " at byte " + (in.position() - 4));
            }
            in.skip(len - 2);
            inScan = m == 0xDA;
        }
    }

    private static void gif(RandomAccessSource src) throws IOException {
        SequentialReader in = new SequentialReader(src, 10);
        int flags = in.next();
        in.skip(2);
        if (flags < 0) {
            throw truncated("GIF", "the header is cut off");
        }
        if ((flags & 0x80) != 0) {
            in.skip(3L << ((flags & 7) + 1));
        }
        while (true) {
            int kind = in.next();
            switch (kind) {
                case 0x3B -> {
                    return;
                }
                case 0x21 -> {
                    in.next(); // label
                    subBlocks(in, src);
                }
                case 0x2C -> {
                    in.skip(8);
                    int f = in.next();
                    if (f < 0) {
                        throw truncated("GIF", "an image descriptor is cut off");
                    }
                    if ((f & 0x80) != 0) {
                        in.skip(3L << ((f & 7) + 1));
                    }
                    in.next(); // LZW minimum code size
                    subBlocks(in, src);
                }
                case -1 -> throw truncated("GIF", "no trailer: the file ends at byte " + src.size()
                        + " in the middle of the image data");
                default -> throw corrupt("GIF", "unknown block 0x" + Integer.toHexString(kind) + " at byte "
                        + (in.position() - 1));
            }
        }
    }

    private static void subBlocks(SequentialReader in, RandomAccessSource src) throws IOException {
        while (true) {
            int n = in.next();
            if (n < 0) {
                throw truncated("GIF", "the file ends at byte " + src.size() + " in the middle of a data block");
            }
            if (n == 0) {
                return;
            }
            in.skip(n);
        }
    }

    private static void bmp(RandomAccessSource src) throws IOException {
        byte[] h = Bytes.readExactly(src, 0, 26, "BMP header");
        long dataOffset = Bytes.u32le(h, 10);
        long dib = Bytes.u32le(h, 14);
        long width;
        long height;
        int bpp;
        long compression = 0;
        if (dib == 12) {
            width = Bytes.u16le(h, 18);
            height = Bytes.u16le(h, 20);
            bpp = Bytes.u16le(h, 24);
        } else {
            byte[] info = Bytes.readExactly(src, 14, 20, "BMP info header");
            width = Math.abs((long) (int) Bytes.u32le(info, 4));
            height = Math.abs((long) (int) Bytes.u32le(info, 8));
            bpp = Bytes.u16le(info, 14);
            compression = Bytes.u32le(info, 16);
        }
        if (dataOffset > src.size()) {
            throw truncated("BMP", "the pixel data should start at byte " + dataOffset + " but the file ends at byte "
                    + src.size());
        }
        boolean uncompressed = compression == 0 || compression == 3 || compression == 6;
        if (uncompressed && bpp > 0) {
            long stride = ((width * bpp + 31) / 32) * 4;
            double need = dataOffset + (double) stride * height;
            if (need > src.size()) {
                throw truncated("BMP", width + "x" + height + " pixels at " + bpp + " bits need "
                        + (long) need + " bytes but the file has " + src.size());
            }
        }
    }

    private static void webp(RandomAccessSource src) throws IOException {
        byte[] h = Bytes.readExactly(src, 0, 12, "WebP header");
        long riff = Bytes.u32le(h, 4);
        if (riff + 8 > src.size()) {
            throw truncated("WebP", "its RIFF header declares " + (riff + 8) + " bytes but the file has "
                    + src.size());
        }
        long pos = 12;
        long end = riff + 8;
        while (end - pos >= 8) {
            byte[] c = Bytes.readExactly(src, pos, 8, "WebP chunk header");
            long len = Bytes.u32le(c, 4);
            if (len + 8 > end - pos) {
                throw truncated("WebP", "chunk '" + Bytes.fourcc(c, 0) + "' at byte " + pos + " needs " + (len + 8)
                        + " bytes but the RIFF data ends at byte " + end);
            }
            pos += 8 + len + (len & 1);
        }
    }

    private static MalformedMediaException truncated(String format, String what) {
        return new MalformedMediaException("truncated " + format + ": " + what + "; upload the complete file");
    }

    private static MalformedMediaException corrupt(String format, String what) {
        return new MalformedMediaException("corrupt " + format + ": " + what);
    }

    /** Buffered forward reading with skips, over a positional source. */
    private static final class SequentialReader {
        private final RandomAccessSource src;
        private final byte[] buf = new byte[64 * 1024];
        private long bufStart;
        private int bufLen;
        private long pos;

        SequentialReader(RandomAccessSource src, long start) {
            this.src = src;
            this.pos = start;
            this.bufStart = start;
        }

        int next() throws IOException {
            if (pos >= src.size()) {
                return -1;
            }
            if (pos < bufStart || pos >= bufStart + bufLen) {
                bufStart = pos;
                bufLen = src.read(pos, buf, 0, buf.length);
                if (bufLen <= 0) {
                    bufLen = 0;
                    return -1;
                }
            }
            return buf[(int) (pos++ - bufStart)] & 0xFF;
        }

        void skip(long n) {
            pos += n;
        }

        long position() {
            return pos;
        }
    }
}
