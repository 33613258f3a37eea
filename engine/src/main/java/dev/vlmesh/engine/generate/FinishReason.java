package dev.vlmesh.engine.generate;

/** Why generation ended. */
public enum FinishReason {
    /** A stop token ({@code <|im_end|>}) was generated. */
    STOP,
    /** {@code maxNewTokens} were generated. */
    LENGTH,
    /** The {@link CancelSignal} was raised. */
    CANCELLED
}
