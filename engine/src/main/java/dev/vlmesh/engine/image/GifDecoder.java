package dev.vlmesh.engine.image;

/**
 * The first frame of a GIF as Pillow's {@code Image.open(f).convert('RGB')} gives it: a canvas of the logical screen
 * size (grown to hold the frame), filled with the frame's transparent index when it has one and with index 0
 * otherwise, the frame's indices drawn at its offset, then every index looked up in the local palette, else the
 * global palette (entries past the table are black; without any palette the index is a grey level).
 * Transparency is not composited.
 */
final class GifDecoder {
    private GifDecoder() {
    }

    static RgbImage decode(byte[] f) throws ImageDecodeException {
        if (f.length < 13) {
            throw new ImageDecodeException("truncated GIF header");
        }
        int screenW = ImageProbe.u16le(f, 6);
        int screenH = ImageProbe.u16le(f, 8);
        int flags = f[10] & 0xFF;
        int pos = 13;
        byte[] global = null;
        if ((flags & 0x80) != 0) {
            int n = 3 << ((flags & 7) + 1);
            need(f, pos, n, "global colour table");
            global = java.util.Arrays.copyOfRange(f, pos, pos + n);
            pos += n;
        }
        int transparent = -1;
        while (true) {
            need(f, pos, 1, "block");
            int kind = f[pos] & 0xFF;
            if (kind == 0x21) {
                need(f, pos, 2, "extension");
                int label = f[pos + 1] & 0xFF;
                pos += 2;
                if (label == 0xF9) {
                    need(f, pos, 5, "graphic control extension");
                    if ((f[pos] & 0xFF) >= 4 && (f[pos + 1] & 1) != 0) {
                        transparent = f[pos + 4] & 0xFF;
                    }
                }
                pos = skipSubBlocks(f, pos);
            } else if (kind == 0x2C) {
                break;
            } else {
                throw new ImageDecodeException("corrupt GIF: unexpected block 0x" + Integer.toHexString(kind)
                        + " before the first image");
            }
        }
        need(f, pos, 10, "image descriptor");
        int fx = ImageProbe.u16le(f, pos + 1);
        int fy = ImageProbe.u16le(f, pos + 3);
        int fw = ImageProbe.u16le(f, pos + 5);
        int fh = ImageProbe.u16le(f, pos + 7);
        int iflags = f[pos + 9] & 0xFF;
        pos += 10;
        byte[] palette = global;
        if ((iflags & 0x80) != 0) {
            int n = 3 << ((iflags & 7) + 1);
            need(f, pos, n, "local colour table");
            palette = java.util.Arrays.copyOfRange(f, pos, pos + n);
            pos += n;
        }
        boolean interlaced = (iflags & 0x40) != 0;
        int width = Math.max(screenW, fx + fw);
        int height = Math.max(screenH, fy + fh);
        if (width < 1 || height < 1) {
            throw new ImageDecodeException("corrupt GIF: empty image " + width + "x" + height);
        }
        need(f, pos, 1, "LZW code size");
        int minCodeSize = f[pos] & 0xFF;
        pos++;
        if (minCodeSize < 1 || minCodeSize > 11) {
            throw new ImageDecodeException("corrupt GIF: LZW code size " + minCodeSize);
        }
        byte[] indices = new byte[width * height];
        if (transparent >= 0) {
            java.util.Arrays.fill(indices, (byte) transparent);
        }
        byte[] frame = new byte[fw * fh];
        lzw(f, pos, minCodeSize, frame);
        for (int r = 0; r < fh; r++) {
            int y = interlaced ? interlacedRow(r, fh) : r;
            System.arraycopy(frame, r * fw, indices, (fy + y) * width + fx, fw);
        }
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0, o = 0; i < indices.length; i++, o += 3) {
            int idx = indices[i] & 0xFF;
            if (palette == null) {
                rgb[o] = rgb[o + 1] = rgb[o + 2] = (byte) idx;
            } else if (idx * 3 + 2 < palette.length) {
                rgb[o] = palette[idx * 3];
                rgb[o + 1] = palette[idx * 3 + 1];
                rgb[o + 2] = palette[idx * 3 + 2];
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /** The image row that the r-th stored row of an interlaced frame of height h belongs to. */
    private static int interlacedRow(int r, int h) {
        int n1 = (h + 7) / 8;
        if (r < n1) {
            return r * 8;
        }
        r -= n1;
        int n2 = (h + 3) / 8;
        if (r < n2) {
            return 4 + r * 8;
        }
        r -= n2;
        int n3 = (h + 1) / 4;
        if (r < n3) {
            return 2 + r * 4;
        }
        r -= n3;
        return 1 + r * 2;
    }

    private static void need(byte[] f, int pos, int n, String what) throws ImageDecodeException {
        if (pos < 0 || pos + n > f.length) {
            throw new ImageDecodeException("truncated GIF: " + what + " at byte " + pos);
        }
    }

    private static int skipSubBlocks(byte[] f, int pos) throws ImageDecodeException {
        while (true) {
            need(f, pos, 1, "sub-block");
            int len = f[pos] & 0xFF;
            pos += 1 + len;
            if (len == 0) {
                return pos;
            }
        }
    }

    /** Decodes the LZW sub-block stream at pos into out (exactly out.length indices). */
    private static void lzw(byte[] f, int pos, int minCodeSize, byte[] out) throws ImageDecodeException {
        int clear = 1 << minCodeSize;
        int end = clear + 1;
        short[] prefix = new short[4096];
        byte[] suffix = new byte[4096];
        byte[] firstOf = new byte[4096];
        byte[] stack = new byte[4097];
        for (int i = 0; i < clear; i++) {
            suffix[i] = (byte) i;
            firstOf[i] = (byte) i;
        }
        int codeSize = minCodeSize + 1;
        int next = end + 1;
        int prev = -1;
        int bits = 0;
        int bitCount = 0;
        int blockLeft = 0;
        int o = 0;
        while (o < out.length) {
            while (bitCount < codeSize) {
                if (blockLeft == 0) {
                    need(f, pos, 1, "image data");
                    blockLeft = f[pos++] & 0xFF;
                    if (blockLeft == 0) {
                        throw new ImageDecodeException("truncated GIF: image data ends after " + o + " of "
                                + out.length + " pixels");
                    }
                }
                need(f, pos, 1, "image data");
                bits |= (f[pos++] & 0xFF) << bitCount;
                bitCount += 8;
                blockLeft--;
            }
            int code = bits & ((1 << codeSize) - 1);
            bits >>>= codeSize;
            bitCount -= codeSize;
            if (code == clear) {
                codeSize = minCodeSize + 1;
                next = end + 1;
                prev = -1;
                continue;
            }
            if (code == end) {
                throw new ImageDecodeException("truncated GIF: end code after " + o + " of " + out.length
                        + " pixels");
            }
            int sp = 0;
            int c;
            if (prev < 0) {
                if (code >= clear) {
                    throw new ImageDecodeException("corrupt GIF: bad first LZW code " + code);
                }
                out[o++] = (byte) code;
                prev = code;
                continue;
            }
            byte first;
            if (code < next) {
                c = code;
                first = firstOf[code];
            } else if (code == next) {
                stack[sp++] = firstOf[prev];
                c = prev;
                first = firstOf[prev];
            } else {
                throw new ImageDecodeException("corrupt GIF: LZW code " + code + " out of range");
            }
            while (c >= clear) {
                stack[sp++] = suffix[c];
                c = prefix[c];
            }
            stack[sp++] = suffix[c];
            while (sp > 0 && o < out.length) {
                out[o++] = stack[--sp];
            }
            if (next < 4096) {
                prefix[next] = (short) prev;
                suffix[next] = first;
                firstOf[next] = firstOf[prev];
                next++;
                if (next == (1 << codeSize) && codeSize < 12) {
                    codeSize++;
                }
            }
            prev = code;
        }
    }
}
