package dev.vlmesh.engine.image;

import java.io.IOException;

/** An image that cannot be used: unknown format, corrupt or truncated data, or over a configured limit. */
public class ImageDecodeException extends IOException {
    public ImageDecodeException(String message) {
        super(message);
    }

    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
