package dev.vlmesh.engine.video;

import java.io.IOException;

/**
 * Decoding took longer than its budget. A hostile file (or one too big for the time allowed) ends here instead of
 * holding a worker; {@link #code()} is the stable job failure code.
 */
public final class VideoDecodeTimeoutException extends IOException {
    public VideoDecodeTimeoutException(String message) {
        super(message);
    }

    public String code() {
        return "video_decode_timeout";
    }
}
