package dev.vlmesh.engine.generate;

/**
 * Receives each generated token as soon as it is sampled, on the generating thread. {@code text} is the text this
 * token completes (special tokens skipped; empty while a multi-byte character is still incomplete), so the
 * concatenation of all {@code text}s is the streamed answer. Stop tokens are not reported.
 */
@FunctionalInterface
public interface TokenListener {
    void onToken(int tokenId, String text);

    static TokenListener none() {
        return (id, text) -> { };
    }
}
