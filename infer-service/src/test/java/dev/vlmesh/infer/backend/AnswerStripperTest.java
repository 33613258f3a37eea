package dev.vlmesh.infer.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerStripperTest {

    @Test
    void piecesConcatenateToTheStrippedAnswer() {
        List<List<String>> streams = List.of(
                List.of("  ", "\n", "Hello", " ", "wor", "ld", " ", "\n"),
                List.of(" a", "", "  b  ", "c "),
                List.of("   "),
                List.of("图片", " 里", "有", "\u3000"),
                List.of("x"));
        for (List<String> pieces : streams) {
            AnswerStripper s = new AnswerStripper();
            StringBuilder shown = new StringBuilder();
            for (String p : pieces) {
                shown.append(s.accept(p));
            }
            String expected = String.join("", pieces).strip();
            assertEquals(expected, shown.toString(), "stream " + pieces);
            assertEquals(expected, s.text());
        }
    }

    @Test
    void theFinalAnswerCompletesTheStream() {
        AnswerStripper s = new AnswerStripper();
        StringBuilder shown = new StringBuilder(s.accept(" abc")).append(s.accept(" "));
        shown.append(s.completeWith("abc \uFFFD"));
        assertEquals("abc \uFFFD", shown.toString(), "held whitespace is not doubled");
        assertEquals("abc \uFFFD", s.text());
        AnswerStripper other = new AnswerStripper();
        other.accept("xyz");
        assertEquals("", other.completeWith("different"), "a final text that does not continue the stream adds nothing");
        assertEquals("xyz", other.text());
    }
}
