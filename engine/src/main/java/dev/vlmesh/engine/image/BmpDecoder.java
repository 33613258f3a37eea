package dev.vlmesh.engine.image;

/**
 * BMP (1/4/8-bit palette, RLE8, RLE4, 16-bit 555/565, 24-bit, 32-bit) to RGB as Pillow gives it: 5- and 6-bit
 * channels scale by {@code v * 255 / max} (integer division), palette indices past the table are black, alpha is
 * dropped, and run-length data is expanded with Pillow's rules (runs clipped to the row, end-of-line and delta fill
 * with index 0, absolute runs word-aligned on the file offset, too little data is an error).
 */
final class BmpDecoder {
    private static final int BI_RGB = 0;
    private static final int BI_RLE8 = 1;
    private static final int BI_RLE4 = 2;
    private static final int BI_BITFIELDS = 3;
    private static final int BI_ALPHABITFIELDS = 6;

    private BmpDecoder() {
    }

    static RgbImage decode(byte[] f) throws ImageDecodeException {
        need(f, 0, 26, "header");
        long dataOffset = ImageProbe.u32le(f, 10);
        int dib = (int) ImageProbe.u32le(f, 14);
        int width;
        int height;
        int bpp;
        int compression = BI_RGB;
        int colorsUsed = 0;
        int paletteEntrySize = 4;
        boolean topDown = false;
        long[] masks = null;
        if (dib == 12) {
            width = ImageProbe.u16le(f, 18);
            height = ImageProbe.u16le(f, 20);
            bpp = ImageProbe.u16le(f, 24);
            paletteEntrySize = 3;
        } else if (dib >= 40) {
            need(f, 14, dib, "info header");
            width = (int) ImageProbe.u32le(f, 18);
            int h = (int) ImageProbe.u32le(f, 22);
            topDown = h < 0;
            height = Math.abs(h);
            bpp = ImageProbe.u16le(f, 28);
            compression = (int) ImageProbe.u32le(f, 30);
            colorsUsed = (int) ImageProbe.u32le(f, 46);
            if (compression == BI_BITFIELDS || compression == BI_ALPHABITFIELDS) {
                int at = 14 + 40;
                if (dib >= 52) {
                    masks = new long[] {ImageProbe.u32le(f, at), ImageProbe.u32le(f, at + 4),
                            ImageProbe.u32le(f, at + 8), dib >= 56 ? ImageProbe.u32le(f, at + 12) : 0};
                } else {
                    int n = compression == BI_ALPHABITFIELDS ? 4 : 3;
                    need(f, at, 4 * n, "bit masks");
                    masks = new long[] {ImageProbe.u32le(f, at), ImageProbe.u32le(f, at + 4),
                            ImageProbe.u32le(f, at + 8), n == 4 ? ImageProbe.u32le(f, at + 12) : 0};
                }
            } else if (compression == BI_RLE8 || compression == BI_RLE4) {
                if (bpp != (compression == BI_RLE8 ? 8 : 4)) {
                    throw new ImageDecodeException("corrupt BMP: RLE" + (compression == BI_RLE8 ? 8 : 4)
                            + " with " + bpp + " bits per pixel");
                }
            } else if (compression != BI_RGB) {
                throw new ImageDecodeException("unsupported BMP compression " + compression
                        + " (only uncompressed and bit-field BMPs are decoded)");
            }
        } else {
            throw new ImageDecodeException("unsupported BMP header size " + dib);
        }
        if (width < 1 || height < 1) {
            throw new ImageDecodeException("corrupt BMP: image size " + width + "x" + height);
        }
        if ((long) width * height > Integer.MAX_VALUE / 3) {
            throw new ImageLimitException("BMP of " + width + "x" + height + " pixels is too large to decode");
        }
        byte[] palette = null;
        if (bpp <= 8) {
            if (bpp != 1 && bpp != 4 && bpp != 8) {
                throw new ImageDecodeException("unsupported BMP bit depth " + bpp);
            }
            int entries = colorsUsed > 0 ? Math.min(colorsUsed, 1 << bpp) : 1 << bpp;
            int at = 14 + dib + (masks != null && dib < 52 ? (compression == BI_ALPHABITFIELDS ? 16 : 12) : 0);
            entries = Math.max(0, Math.min(entries, (int) ((dataOffset - at) / paletteEntrySize)));
            need(f, at, entries * paletteEntrySize, "palette");
            palette = new byte[entries * 3];
            for (int i = 0; i < entries; i++) {
                int p = at + i * paletteEntrySize;
                palette[i * 3] = f[p + 2];
                palette[i * 3 + 1] = f[p + 1];
                palette[i * 3 + 2] = f[p];
            }
        } else if (bpp == 16) {
            if (masks == null) {
                masks = new long[] {0x7C00, 0x3E0, 0x1F, 0};
            }
            boolean is555 = masks[0] == 0x7C00 && masks[1] == 0x3E0 && masks[2] == 0x1F;
            boolean is565 = masks[0] == 0xF800 && masks[1] == 0x7E0 && masks[2] == 0x1F;
            if (!is555 && !is565) {
                throw new ImageDecodeException("unsupported BMP 16-bit bit-field layout");
            }
        } else if (bpp == 32) {
            if (masks == null) {
                masks = new long[] {0xFF0000, 0xFF00, 0xFF, 0};
            }
            for (int c = 0; c < 3; c++) {
                long m = masks[c];
                if (m != 0xFFL && m != 0xFF00L && m != 0xFF0000L && m != 0xFF000000L) {
                    throw new ImageDecodeException("unsupported BMP 32-bit bit-field layout");
                }
            }
        } else if (bpp != 24) {
            throw new ImageDecodeException("unsupported BMP bit depth " + bpp);
        }
        if (compression == BI_RLE8 || compression == BI_RLE4) {
            byte[] indices = expandRle(f, (int) Math.min(dataOffset, f.length), width, height, compression == BI_RLE4);
            byte[] rgb = new byte[width * height * 3];
            for (int r = 0; r < height; r++) {
                int y = topDown ? r : height - 1 - r;
                for (int x = 0, o = y * width * 3; x < width; x++, o += 3) {
                    int idx = indices[r * width + x] & 0xFF;
                    if (idx * 3 + 2 < palette.length) {
                        rgb[o] = palette[idx * 3];
                        rgb[o + 1] = palette[idx * 3 + 1];
                        rgb[o + 2] = palette[idx * 3 + 2];
                    }
                }
            }
            return new RgbImage(width, height, rgb);
        }
        long stride = (((long) width * bpp + 31) / 32) * 4;
        if (dataOffset < 0 || dataOffset + stride * height > f.length) {
            throw new ImageDecodeException("truncated BMP: pixel data needs " + stride * height + " bytes at offset "
                    + dataOffset + ", the file has " + f.length);
        }
        byte[] rgb = new byte[width * height * 3];
        for (int r = 0; r < height; r++) {
            int y = topDown ? r : height - 1 - r;
            int row = (int) (dataOffset + stride * r);
            int o = y * width * 3;
            for (int x = 0; x < width; x++, o += 3) {
                switch (bpp) {
                    case 24 -> {
                        int p = row + x * 3;
                        rgb[o] = f[p + 2];
                        rgb[o + 1] = f[p + 1];
                        rgb[o + 2] = f[p];
                    }
                    case 32 -> {
                        long v = ImageProbe.u32le(f, row + x * 4);
                        rgb[o] = (byte) ((v & masks[0]) >>> Long.numberOfTrailingZeros(masks[0]));
                        rgb[o + 1] = (byte) ((v & masks[1]) >>> Long.numberOfTrailingZeros(masks[1]));
                        rgb[o + 2] = (byte) ((v & masks[2]) >>> Long.numberOfTrailingZeros(masks[2]));
                    }
                    case 16 -> {
                        int v = ImageProbe.u16le(f, row + x * 2);
                        if (masks[0] == 0xF800) {
                            rgb[o] = (byte) (((v >>> 11) & 31) * 255 / 31);
                            rgb[o + 1] = (byte) (((v >>> 5) & 63) * 255 / 63);
                        } else {
                            rgb[o] = (byte) (((v >>> 10) & 31) * 255 / 31);
                            rgb[o + 1] = (byte) (((v >>> 5) & 31) * 255 / 31);
                        }
                        rgb[o + 2] = (byte) ((v & 31) * 255 / 31);
                    }
                    default -> {
                        int bit = x * bpp;
                        int idx = ((f[row + (bit >>> 3)] & 0xFF) >>> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
                        if (idx * 3 + 2 < palette.length) {
                            rgb[o] = palette[idx * 3];
                            rgb[o + 1] = palette[idx * 3 + 1];
                            rgb[o + 2] = palette[idx * 3 + 2];
                        }
                    }
                }
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /** Pillow's BmpRleDecoder: palette indices in stored row order. */
    private static byte[] expandRle(byte[] f, int pos, int width, int height, boolean rle4) throws ImageDecodeException {
        int total = width * height;
        byte[] out = new byte[total];
        int n = 0;
        int x = 0;
        while (n < total) {
            if (pos + 2 > f.length) {
                break;
            }
            int count = f[pos] & 0xFF;
            int value = f[pos + 1] & 0xFF;
            pos += 2;
            if (count > 0) {
                count = Math.min(count, Math.max(0, width - x));
                for (int i = 0; i < count && n < total; i++) {
                    out[n++] = (byte) (rle4 ? ((i & 1) == 0 ? value >> 4 : value & 0x0F) : value);
                }
                x += count;
            } else if (value == 0) { // end of line
                while (n % width != 0 && n < total) {
                    n++;
                }
                x = 0;
            } else if (value == 1) { // end of bitmap
                break;
            } else if (value == 2) { // delta
                if (pos + 2 > f.length) {
                    break;
                }
                long skip = (f[pos] & 0xFF) + (long) (f[pos + 1] & 0xFF) * width;
                pos += 2;
                n = (int) Math.min(total, n + skip);
                x = n % width;
            } else { // absolute run
                int bytes = rle4 ? value / 2 : value;
                int avail = Math.min(bytes, f.length - pos);
                for (int i = 0; i < avail; i++) {
                    int b = f[pos + i] & 0xFF;
                    if (rle4) {
                        if (n < total) {
                            out[n++] = (byte) (b >> 4);
                        }
                        if (n < total) {
                            out[n++] = (byte) (b & 0x0F);
                        }
                    } else if (n < total) {
                        out[n++] = (byte) b;
                    }
                }
                pos += avail;
                if (avail < bytes) {
                    break;
                }
                x += value;
                if ((pos & 1) != 0) {
                    pos++;
                }
            }
        }
        if (n < total) {
            throw new ImageDecodeException("truncated BMP: run-length data ends after " + n + " of " + total
                    + " pixels");
        }
        return out;
    }

    private static void need(byte[] f, int pos, int n, String what) throws ImageDecodeException {
        if (pos < 0 || n < 0 || (long) pos + n > f.length) {
            throw new ImageDecodeException("truncated BMP: " + what + " at byte " + pos);
        }
    }
}
