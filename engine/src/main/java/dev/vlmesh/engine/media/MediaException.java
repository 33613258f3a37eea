package dev.vlmesh.engine.media;

import java.io.IOException;

/**
 * Media that vlmesh will not process. The message is meant for the person who sent the file: it says what is wrong
 * and, where it can, what to do. {@link #code()} is a stable machine-readable reason.
 */
public abstract sealed class MediaException extends IOException
        permits UnsupportedMediaException, MalformedMediaException, MediaLimitException {

    protected MediaException(String message) {
        super(message);
    }

    protected MediaException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Stable reason, one of the job error codes ({@code unsupported_media}, {@code media_invalid}, …). */
    public abstract String code();
}
