package dev.vlmesh.engine.safetensors;

import java.io.IOException;

/** A safetensors file that cannot be read as one: bad header, bad offsets, truncated data. */
public final class SafetensorsException extends IOException {
    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
