package dev.vlmesh.engine.tokenizer;

import java.util.Arrays;

/**
 * Turns generated token ids into text as they arrive. A token may end in the middle of a UTF-8 character (CJK and
 * emoji often span two byte-level tokens); those bytes are held until the character is complete, so no fragment or
 * replacement character is ever emitted for text that is valid as a whole. The concatenation of every
 * {@link #accept} result and {@link #finish()} equals {@link Qwen2Tokenizer#decode} of the same ids. One instance per
 * generation stream; not thread-safe.
 */
public final class StreamingDecoder {
    private final Qwen2Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private byte[] pending = new byte[16];
    private int pendingLength;
    private final StringBuilder scratch = new StringBuilder();

    StreamingDecoder(Qwen2Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** The text completed by this token; empty while a character is still incomplete. */
    public String accept(int tokenId) {
        byte[] bytes = tokenizer.bytesOf(tokenId, skipSpecialTokens);
        if (bytes == null || bytes.length == 0) {
            return "";
        }
        if (pendingLength + bytes.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + bytes.length));
        }
        System.arraycopy(bytes, 0, pending, pendingLength, bytes.length);
        pendingLength += bytes.length;
        scratch.setLength(0);
        int used = Utf8.decode(pending, 0, pendingLength, true, scratch);
        System.arraycopy(pending, used, pending, 0, pendingLength - used);
        pendingLength -= used;
        return scratch.toString();
    }

    /** Flushes bytes still held at the end of the stream (an unfinished character becomes U+FFFD). */
    public String finish() {
        scratch.setLength(0);
        Utf8.decode(pending, 0, pendingLength, false, scratch);
        pendingLength = 0;
        return scratch.toString();
    }
}
