package dev.vlmesh.engine.media;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Big- and little-endian reads from arrays, and exact reads from a source. */
final class Bytes {
    private Bytes() {
    }

    static int u8(byte[] b, int p) {
        return b[p] & 0xFF;
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

    /** Unsigned 64-bit values above 2^63 come back negative; callers treat negative as "too large". */
    static long u64be(byte[] b, int p) {
        return (u32be(b, p) << 32) | u32be(b, p + 4);
    }

    static String ascii(byte[] b, int p, int n) {
        return new String(b, p, n, StandardCharsets.ISO_8859_1);
    }

    /** A four-character code as text, with unprintable bytes escaped so a forged code cannot garble a message. */
    static String fourcc(byte[] b, int p) {
        StringBuilder s = new StringBuilder(4);
        for (int i = 0; i < 4; i++) {
            int c = b[p + i] & 0xFF;
            if (c >= 0x20 && c < 0x7F) {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.toString();
    }

    static boolean printableFourcc(byte[] b, int p) {
        for (int i = 0; i < 4; i++) {
            int c = b[p + i] & 0xFF;
            if (c < 0x20 || c >= 0x7F) {
                return false;
            }
        }
        return true;
    }

    /** Reads exactly {@code len} bytes at {@code pos} or fails with {@code what} in a truncation message. */
    static byte[] readExactly(RandomAccessSource src, long pos, int len, String what) throws IOException {
        byte[] b = new byte[len];
        int got = 0;
        while (got < len) {
            int n = src.read(pos + got, b, got, len - got);
            if (n <= 0) {
                throw new MalformedMediaException("truncated file: " + what + " at byte " + pos + " needs " + len
                        + " bytes but the file ends at byte " + src.size());
            }
            got += n;
        }
        return b;
    }

    /** Reads up to {@code len} bytes at {@code pos}; the array is shorter at the end of the source. */
    static byte[] readUpTo(RandomAccessSource src, long pos, int len) throws IOException {
        int want = (int) Math.max(0, Math.min(len, src.size() - pos));
        byte[] b = new byte[want];
        int got = 0;
        while (got < want) {
            int n = src.read(pos + got, b, got, want - got);
            if (n <= 0) {
                break;
            }
            got += n;
        }
        return got == want ? b : java.util.Arrays.copyOf(b, got);
    }
}
