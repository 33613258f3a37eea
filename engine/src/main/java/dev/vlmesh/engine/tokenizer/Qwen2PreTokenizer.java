package dev.vlmesh.engine.tokenizer;

/**
 * The Qwen2 split pattern, hand-compiled:
 * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}
 *
 * <p>Semantics follow the Oniguruma engine of the tokenizers library (and Python's {@code regex}): {@code \s} is the
 * Unicode White_Space set, {@code \p{L}} / {@code \p{N}} are the general categories, the alternation is leftmost-first
 * and the case-insensitive contractions fold U+017F LONG S to {@code s}. Every character matches some branch, so the
 * pieces tile the input. A hand-written matcher avoids java.util.regex's ASCII {@code \s} and its backtracking cost on
 * long whitespace runs.
 */
public final class Qwen2PreTokenizer {
    /** The pattern string as it appears in a Qwen2 tokenizer.json. */
    public static final String PATTERN =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final byte OTHER = 0, LETTER = 1, NUMBER = 2, SPACE = 3, NEWLINE = 4;
    private static final byte[] BMP_CLASS = new byte[0x10000];

    static {
        for (int c = 0; c < 0x10000; c++) {
            BMP_CLASS[c] = computeClass(c);
        }
    }

    /** Receives each piece as a [start, end) range of UTF-16 indices into the text. */
    @FunctionalInterface
    public interface PieceSink {
        void piece(int start, int end);
    }

    private Qwen2PreTokenizer() {
    }

    private static byte computeClass(int cp) {
        if (cp == '\r' || cp == '\n') {
            return NEWLINE;
        }
        if (isWhiteSpace(cp)) {
            return SPACE;
        }
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> {
                return LETTER;
            }
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> {
                return NUMBER;
            }
            default -> {
                return OTHER;
            }
        }
    }

    /** Unicode White_Space (the set Oniguruma and Python's regex use for {@code \s}). */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    private static int classOf(int cp) {
        return cp < 0x10000 ? BMP_CLASS[cp] : computeClass(cp);
    }

    private static boolean isSpace(int cls) {
        return cls == SPACE || cls == NEWLINE;
    }

    /** Splits {@code text[from, to)} into pieces, in order. */
    public static void split(CharSequence text, int from, int to, PieceSink sink) {
        int i = from;
        while (i < to) {
            int end = matchAt(text, i, to);
            sink.piece(i, end);
            i = end;
        }
    }

    private static int cp(CharSequence s, int i, int to) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < to) {
            char d = s.charAt(i + 1);
            if (Character.isLowSurrogate(d)) {
                return Character.toCodePoint(c, d);
            }
        }
        return c;
    }

    private static int width(int cp) {
        return cp >= 0x10000 ? 2 : 1;
    }

    /** The end of the match starting at {@code i} (always greater than {@code i}). */
    static int matchAt(CharSequence s, int i, int to) {
        int c0 = cp(s, i, to);
        int w0 = width(c0);
        int cls0 = classOf(c0);

        // 1. contractions, case-insensitive
        if (c0 == '\'' && i + 1 < to) {
            int n = contraction(s, i + 1, to);
            if (n > 0) {
                return i + 1 + n;
            }
        }
        // 2. [^\r\n\p{L}\p{N}]?\p{L}+
        if (cls0 == LETTER) {
            return letterRun(s, i + w0, to);
        }
        if (cls0 != NEWLINE && cls0 != NUMBER && i + w0 < to && classOf(cp(s, i + w0, to)) == LETTER) {
            return letterRun(s, i + w0, to);
        }
        // 3. \p{N}
        if (cls0 == NUMBER) {
            return i + w0;
        }
        // 4. ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        int j = -1;
        if (cls0 == OTHER) {
            j = i;
        } else if (c0 == ' ' && i + 1 < to && classOf(cp(s, i + 1, to)) == OTHER) {
            j = i + 1;
        }
        if (j >= 0) {
            while (j < to) {
                int c = cp(s, j, to);
                if (classOf(c) != OTHER) {
                    break;
                }
                j += width(c);
            }
            while (j < to && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) {
                j++;
            }
            return j;
        }
        // Only whitespace remains possible here: c0 is \s.
        int runEnd = i;
        int lastNewlineEnd = -1;
        int lastStart = i;
        while (runEnd < to) {
            int c = cp(s, runEnd, to);
            int cls = classOf(c);
            if (!isSpace(cls)) {
                break;
            }
            lastStart = runEnd;
            runEnd += width(c);
            if (cls == NEWLINE) {
                lastNewlineEnd = runEnd;
            }
        }
        // 5. \s*[\r\n]+ : ends after the last CR/LF of the run
        if (lastNewlineEnd > 0) {
            return lastNewlineEnd;
        }
        // 6. \s+(?!\S) : the whole run at the end of text, else the run minus its last character
        if (runEnd == to) {
            return runEnd;
        }
        if (lastStart > i) {
            return lastStart;
        }
        // 7. \s+
        return runEnd;
    }

    private static int letterRun(CharSequence s, int j, int to) {
        while (j < to) {
            int c = cp(s, j, to);
            if (classOf(c) != LETTER) {
                break;
            }
            j += width(c);
        }
        return j;
    }

    /** Length in chars of the contraction suffix after an apostrophe at {@code i - 1}, or 0. */
    private static int contraction(CharSequence s, int i, int to) {
        int a = fold(s.charAt(i));
        int b = i + 1 < to ? fold(s.charAt(i + 1)) : -1;
        // alternation order: 's 't 're 've 'm 'll 'd
        if (a == 's' || a == 't') {
            return 1;
        }
        if (a == 'r' && b == 'e') {
            return 2;
        }
        if (a == 'v' && b == 'e') {
            return 2;
        }
        if (a == 'm') {
            return 1;
        }
        if (a == 'l' && b == 'l') {
            return 2;
        }
        if (a == 'd') {
            return 1;
        }
        return 0;
    }

    private static int fold(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c + ('a' - 'A');
        }
        if (c == '\u017F') {
            return 's';
        }
        return c;
    }
}
