package dev.vlmesh.engine.media;

/** The format is recognised but the file is truncated, corrupt, or its header contradicts itself. */
public final class MalformedMediaException extends MediaException {
    public MalformedMediaException(String message) {
        super(message);
    }

    public MalformedMediaException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "media_invalid";
    }
}
