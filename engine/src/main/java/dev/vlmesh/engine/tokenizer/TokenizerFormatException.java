package dev.vlmesh.engine.tokenizer;

import java.io.IOException;

/** Tokenizer files that cannot be used: missing, malformed, or describing a tokenizer other than Qwen2 BPE. */
public final class TokenizerFormatException extends IOException {
    public TokenizerFormatException(String message) {
        super(message);
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
