package dev.vlmesh.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The hand-compiled splitter against an independent engine: java.util.regex running Qwen2's pattern with Unicode
 * character classes (the JDK's backtracking, leftmost-first matcher, like Oniguruma's), on random text built from the
 * characters where the classes differ.
 */
class Qwen2PreTokenizerTest {
    private static final Pattern REFERENCE = Pattern.compile(Qwen2PreTokenizer.PATTERN,
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final String[] ALPHABET = {
        "a", "Z", "é", "中", "文", "ſ", "S", "s", "t", "r", "e", "v", "m", "l", "d", "'", " ", "  ", "\t", "\n", "\r",
        "\u00A0", "\u3000", "\u2028", "\u0085", "\u000B", "\u001C", "1", "²", "½", "Ⅻ", "٣", "!", "?", ".", "-", "<",
        "😀", "👍🏽", "\u200D", "\u0301", "ʰ", "ǅ", "_", "$", "\uFEFF"};

    private static List<String> reference(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = REFERENCE.matcher(s);
        int pos = 0;
        while (m.find()) {
            if (m.start() > pos) {
                out.add(s.substring(pos, m.start()));
            }
            out.add(m.group());
            pos = m.end();
        }
        if (pos < s.length()) {
            out.add(s.substring(pos));
        }
        return out;
    }

    private static List<String> ours(String s) {
        List<String> out = new ArrayList<>();
        Qwen2PreTokenizer.split(s, 0, s.length(), (a, b) -> out.add(s.substring(a, b)));
        return out;
    }

    @Test
    void splitsLikeARegexEngineWithUnicodeClasses() {
        Random rnd = new Random(20250301);
        for (int n = 0; n < 5000; n++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + rnd.nextInt(24);
            for (int i = 0; i < len; i++) {
                sb.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
            }
            String s = sb.toString();
            assertEquals(reference(s), ours(s), () -> "text " + s.codePoints().mapToObj(Integer::toHexString).toList());
        }
    }
}
