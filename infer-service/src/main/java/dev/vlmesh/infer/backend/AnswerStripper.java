package dev.vlmesh.infer.backend;

/**
 * Streams an answer stripped the way the reference {@code chat()} strips it: leading whitespace is dropped and
 * trailing whitespace is held back until more text follows, so the pieces handed out concatenate to exactly the
 * final (stripped) answer. Not thread-safe.
 */
public final class AnswerStripper {

    private final StringBuilder held = new StringBuilder();
    private final StringBuilder text = new StringBuilder();
    private boolean started;

    /** The part of {@code piece} (with any whitespace held before it) that can be shown now; may be empty. */
    public String accept(String piece) {
        String t = piece;
        if (!started) {
            t = t.stripLeading();
            started = !t.isEmpty();
        }
        if (t.isEmpty()) {
            return "";
        }
        String content = t.stripTrailing();
        String out = "";
        if (!content.isEmpty()) {
            out = held + content;
            held.setLength(0);
            text.append(out);
        }
        held.append(t, content.length(), t.length());
        return out;
    }

    /**
     * The backend's final answer: if it continues what was handed out (a streaming decoder may keep the bytes of
     * an unfinished character to itself, and the final decode turns them into U+FFFD), the missing tail is returned
     * so that the pieces add up to the final answer; otherwise nothing is added.
     */
    public String completeWith(String finalText) {
        String shown = text.toString();
        if (finalText == null || finalText.equals(shown) || !finalText.startsWith(shown)) {
            return "";
        }
        String tail = finalText.substring(shown.length());
        text.append(tail);
        held.setLength(0);
        return tail;
    }

    /** Everything handed out so far: the stripped answer once the stream ended. */
    public String text() {
        return text.toString();
    }
}
