package dev.vlmesh.engine.checkpoint;

import java.io.IOException;

/** A checkpoint that cannot be loaded: bad config, missing or malformed tensors, unsupported architecture. */
public final class CheckpointException extends IOException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
