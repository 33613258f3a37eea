package dev.vlmesh.engine.image;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * PNG to RGB as Pillow's {@code Image.open(f).convert('RGB')} produces it: 16-bit samples keep their high byte
 * (colour and grey+alpha) except plain 16-bit grey, which Pillow opens as {@code I;16} and clamps to 255; 1/2/4-bit
 * grey scale to 0..255 (×255, ×85, ×17); palette indices past the end of PLTE are black; alpha and tRNS are dropped
 * (not composited); gamma and colour profiles are ignored. Interlaced (Adam7) files are supported.
 */
final class PngDecoder {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private PngDecoder() {
    }

    static RgbImage decode(byte[] file) throws ImageDecodeException {
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (file.length <= i || file[i] != SIGNATURE[i]) {
                throw new ImageDecodeException("not a PNG file (bad signature)");
            }
        }
        int pos = 8;
        int width = 0;
        int height = 0;
        int depth = 0;
        int colorType = -1;
        int interlace = 0;
        byte[] palette = null;
        Inflater inflater = new Inflater();
        byte[] raw = null;
        int rawFilled = 0;
        boolean seenIdat = false;
        boolean ended = false;
        try {
            while (!ended) {
                if (pos + 8 > file.length) {
                    throw new ImageDecodeException("truncated PNG: chunk header missing at byte " + pos);
                }
                long length = readU32(file, pos);
                String type = new String(file, pos + 4, 4, StandardCharsets.ISO_8859_1);
                if (length > file.length - pos - 12L) {
                    throw new ImageDecodeException("truncated PNG: chunk " + type + " at byte " + pos + " declares "
                            + length + " bytes, the file ends first");
                }
                int data = pos + 8;
                int len = (int) length;
                boolean critical = Character.isUpperCase(type.charAt(0));
                if (critical) {
                    CRC32 crc = new CRC32();
                    crc.update(file, pos + 4, len + 4);
                    if (crc.getValue() != readU32(file, data + len)) {
                        throw new ImageDecodeException("corrupt PNG: bad CRC in chunk " + type + " at byte " + pos);
                    }
                }
                switch (type) {
                    case "IHDR" -> {
                        if (len != 13) {
                            throw new ImageDecodeException("corrupt PNG: IHDR length " + len);
                        }
                        long w = readU32(file, data);
                        long h = readU32(file, data + 4);
                        depth = file[data + 8] & 0xFF;
                        colorType = file[data + 9] & 0xFF;
                        interlace = file[data + 12] & 0xFF;
                        if (w < 1 || h < 1 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
                            throw new ImageDecodeException("corrupt PNG: size " + w + "x" + h);
                        }
                        if (w * h > Integer.MAX_VALUE / 3) {
                            throw new ImageLimitException("PNG of " + w + "x" + h + " pixels is too large to decode");
                        }
                        width = (int) w;
                        height = (int) h;
                        if (!validDepth(colorType, depth) || file[data + 10] != 0 || file[data + 11] != 0
                                || interlace > 1) {
                            throw new ImageDecodeException("unsupported PNG: colour type " + colorType + ", depth "
                                    + depth + ", interlace " + interlace);
                        }
                        raw = new byte[(int) rawSize(width, height, bitsPerPixel(colorType, depth), interlace)];
                    }
                    case "PLTE" -> {
                        if (len % 3 != 0 || len > 768) {
                            throw new ImageDecodeException("corrupt PNG: PLTE length " + len);
                        }
                        palette = java.util.Arrays.copyOfRange(file, data, data + len);
                    }
                    case "IDAT" -> {
                        if (raw == null) {
                            throw new ImageDecodeException("corrupt PNG: IDAT before IHDR");
                        }
                        seenIdat = true;
                        inflater.setInput(file, data, len);
                        while (rawFilled < raw.length && !inflater.needsInput() && !inflater.finished()) {
                            int n = inflater.inflate(raw, rawFilled, raw.length - rawFilled);
                            rawFilled += n;
                            if (n == 0 && inflater.needsDictionary()) {
                                throw new ImageDecodeException("corrupt PNG: zlib stream needs a dictionary");
                            }
                        }
                    }
                    case "IEND" -> ended = true;
                    default -> {
                        if (critical) {
                            throw new ImageDecodeException("unsupported PNG: unknown critical chunk " + type);
                        }
                    }
                }
                if (pos == 8 && !"IHDR".equals(type)) {
                    throw new ImageDecodeException("corrupt PNG: first chunk is " + type + ", not IHDR");
                }
                pos = data + len + 4;
            }
        } catch (DataFormatException e) {
            throw new ImageDecodeException("corrupt PNG: bad compressed data (" + e.getMessage() + ")", e);
        } finally {
            inflater.end();
        }
        if (!seenIdat || raw == null) {
            throw new ImageDecodeException("corrupt PNG: no image data");
        }
        if (rawFilled < raw.length) {
            throw new ImageDecodeException("truncated PNG: image data ends after " + rawFilled + " of " + raw.length
                    + " bytes");
        }
        if (colorType == 3 && palette == null) {
            throw new ImageDecodeException("corrupt PNG: palette image without PLTE");
        }
        return unfilterAndConvert(raw, width, height, depth, colorType, interlace, palette);
    }

    private static long readU32(byte[] b, int p) {
        return ((b[p] & 0xFFL) << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
    }

    private static boolean validDepth(int colorType, int depth) {
        return switch (colorType) {
            case 0 -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
            case 3 -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
            case 2, 4, 6 -> depth == 8 || depth == 16;
            default -> false;
        };
    }

    private static int bitsPerPixel(int colorType, int depth) {
        int channels = switch (colorType) {
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> 1;
        };
        return channels * depth;
    }

    // Adam7 pass geometry: x0, y0, dx, dy
    private static final int[][] PASSES = {
            {0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};

    private static long rawSize(int width, int height, int bpp, int interlace) {
        if (interlace == 0) {
            return (long) height * (1 + ((long) width * bpp + 7) / 8);
        }
        long total = 0;
        for (int[] p : PASSES) {
            long pw = (width - p[0] + p[2] - 1) / p[2];
            long ph = (height - p[1] + p[3] - 1) / p[3];
            if (pw > 0 && ph > 0) {
                total += ph * (1 + (pw * bpp + 7) / 8);
            }
        }
        return total;
    }

    private static RgbImage unfilterAndConvert(byte[] raw, int width, int height, int depth, int colorType,
                                               int interlace, byte[] palette) throws ImageDecodeException {
        int bpp = bitsPerPixel(colorType, depth);
        int filterStride = Math.max(1, bpp / 8);
        byte[] rgb = new byte[width * height * 3];
        int[][] passes = interlace == 0 ? new int[][] {{0, 0, 1, 1}} : PASSES;
        int pos = 0;
        for (int[] p : passes) {
            int pw = (width - p[0] + p[2] - 1) / p[2];
            int ph = (height - p[1] + p[3] - 1) / p[3];
            if (pw <= 0 || ph <= 0) {
                continue;
            }
            int rowBytes = (int) (((long) pw * bpp + 7) / 8);
            byte[] prev = new byte[rowBytes];
            byte[] cur = new byte[rowBytes];
            for (int r = 0; r < ph; r++) {
                int filter = raw[pos++] & 0xFF;
                System.arraycopy(raw, pos, cur, 0, rowBytes);
                pos += rowBytes;
                unfilter(filter, cur, prev, filterStride);
                int y = p[1] + r * p[3];
                convertRow(cur, pw, depth, colorType, palette, rgb, y * width, p[0], p[2]);
                byte[] t = prev;
                prev = cur;
                cur = t;
            }
        }
        return new RgbImage(width, height, rgb);
    }

    private static void unfilter(int filter, byte[] cur, byte[] prev, int bpp) throws ImageDecodeException {
        int n = cur.length;
        switch (filter) {
            case 0 -> {
            }
            case 1 -> {
                for (int i = bpp; i < n; i++) {
                    cur[i] += cur[i - bpp];
                }
            }
            case 2 -> {
                for (int i = 0; i < n; i++) {
                    cur[i] += prev[i];
                }
            }
            case 3 -> {
                for (int i = 0; i < n; i++) {
                    int left = i >= bpp ? cur[i - bpp] & 0xFF : 0;
                    cur[i] += (byte) ((left + (prev[i] & 0xFF)) >>> 1);
                }
            }
            case 4 -> {
                for (int i = 0; i < n; i++) {
                    int a = i >= bpp ? cur[i - bpp] & 0xFF : 0;
                    int b = prev[i] & 0xFF;
                    int c = i >= bpp ? prev[i - bpp] & 0xFF : 0;
                    int pa = Math.abs(b - c);
                    int pb = Math.abs(a - c);
                    int pc = Math.abs(a + b - 2 * c);
                    int pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
                    cur[i] += (byte) pred;
                }
            }
            default -> throw new ImageDecodeException("corrupt PNG: unknown row filter " + filter);
        }
    }

    /** Converts one decoded row of pw pixels to RGB at pixel columns x0, x0+dx, … of the row starting at rowPixel. */
    private static void convertRow(byte[] row, int pw, int depth, int colorType, byte[] palette, byte[] rgb,
                                   int rowPixel, int x0, int dx) {
        for (int i = 0; i < pw; i++) {
            int o = (rowPixel + x0 + i * dx) * 3;
            int r;
            int g;
            int b;
            switch (colorType) {
                case 0 -> {
                    int v;
                    if (depth == 16) {
                        int s = ((row[2 * i] & 0xFF) << 8) | (row[2 * i + 1] & 0xFF);
                        v = Math.min(s, 255);
                    } else if (depth == 8) {
                        v = row[i] & 0xFF;
                    } else {
                        int s = sample(row, i, depth);
                        v = s * (255 / ((1 << depth) - 1));
                    }
                    r = g = b = v;
                }
                case 2 -> {
                    int step = depth == 16 ? 6 : 3;
                    int k = i * step;
                    int half = depth == 16 ? 2 : 1;
                    r = row[k] & 0xFF;
                    g = row[k + half] & 0xFF;
                    b = row[k + 2 * half] & 0xFF;
                }
                case 3 -> {
                    int idx = depth == 8 ? row[i] & 0xFF : sample(row, i, depth);
                    if (idx * 3 + 2 < palette.length) {
                        r = palette[idx * 3] & 0xFF;
                        g = palette[idx * 3 + 1] & 0xFF;
                        b = palette[idx * 3 + 2] & 0xFF;
                    } else {
                        r = g = b = 0;
                    }
                }
                case 4 -> {
                    int k = i * (depth == 16 ? 4 : 2);
                    r = g = b = row[k] & 0xFF;
                }
                default -> {
                    int step = depth == 16 ? 8 : 4;
                    int half = depth == 16 ? 2 : 1;
                    int k = i * step;
                    r = row[k] & 0xFF;
                    g = row[k + half] & 0xFF;
                    b = row[k + 2 * half] & 0xFF;
                }
            }
            rgb[o] = (byte) r;
            rgb[o + 1] = (byte) g;
            rgb[o + 2] = (byte) b;
        }
    }

    private static int sample(byte[] row, int i, int depth) {
        int bit = i * depth;
        int shift = 8 - depth - (bit & 7);
        return ((row[bit >>> 3] & 0xFF) >>> shift) & ((1 << depth) - 1);
    }
}
