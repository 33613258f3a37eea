package dev.vlmesh.engine.generate;

/**
 * Receives each generated token as soon as it is sampled, on the thread that decodes (the model's shared decode
 * thread when decodes are batched, so a listener must not block). {@code text} is the text this
 * token completes (special tokens skipped; empty while a multi-byte character is still incomplete). Stop tokens are
 * not reported. The concatenation of every {@code text} and the final {@link #onTail} is the streamed answer.
 */
@FunctionalInterface
public interface TokenListener {
    void onToken(int tokenId, String text);

    /**
     * Called once after the last token when bytes of an unfinished character were held back (they become U+FFFD,
     * as in a full decode). Not called when nothing is pending.
     */
    default void onTail(String text) {
    }

    static TokenListener none() {
        return (id, text) -> { };
    }
}
