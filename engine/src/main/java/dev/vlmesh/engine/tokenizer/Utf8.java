package dev.vlmesh.engine.tokenizer;

/**
 * Lossy UTF-8 decoding with Unicode's "maximal subpart" substitution (one U+FFFD per maximal invalid prefix), the
 * rule of Rust's {@code String::from_utf8_lossy} that the tokenizers decoder uses. Streaming callers can hold back an
 * incomplete sequence at the end of the buffer instead of replacing it.
 */
final class Utf8 {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {
    }

    /**
     * Decodes {@code bytes[from, to)} into {@code out}. With {@code holdIncompleteTail}, a trailing sequence that is
     * a valid but unfinished prefix is left undecoded.
     *
     * @return the index just past the decoded bytes ({@code to} unless a tail was held)
     */
    static int decode(byte[] bytes, int from, int to, boolean holdIncompleteTail, StringBuilder out) {
        int i = from;
        while (i < to) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                if (b0 == 0xE0) {
                    lo = 0xA0;
                } else if (b0 == 0xED) {
                    hi = 0x9F;
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                out.append(REPLACEMENT);
                i++;
                continue;
            }
            int cp = b0 & (0x3F >> need);
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                if (j >= to) {
                    if (holdIncompleteTail) {
                        return i;
                    }
                    ok = false;
                    break;
                }
                int b = bytes[j] & 0xFF;
                int min = k == 0 ? lo : 0x80;
                int max = k == 0 ? hi : 0xBF;
                if (b < min || b > max) {
                    ok = false;
                    break;
                }
                cp = (cp << 6) | (b & 0x3F);
            }
            if (ok) {
                out.appendCodePoint(cp);
            } else {
                out.append(REPLACEMENT);
            }
            i = j;
        }
        return to;
    }
}
