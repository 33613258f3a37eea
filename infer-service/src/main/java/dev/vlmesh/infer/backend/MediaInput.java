package dev.vlmesh.infer.backend;

import dev.vlmesh.events.MediaRef;
import java.util.Optional;

/** One image or video of a request: bytes for a local engine, or a URL a remote server can fetch. */
public interface MediaInput {

    MediaRef.Kind kind();

    /** Detected format (jpeg, png, mp4, …), or null when unknown. */
    String format();

    /** The verified bytes (fetched on first call). */
    byte[] bytes() throws JobFailure, InterruptedException;

    /** A URL a remote backend may fetch the media from (a presigned store URL), if there is one. */
    Optional<String> url(long expirySeconds) throws JobFailure;

    /** A bytes-only input (the OpenAI-compatible API, tests). */
    static MediaInput ofBytes(MediaRef.Kind kind, String format, byte[] data) {
        return new MediaInput() {
            @Override
            public MediaRef.Kind kind() {
                return kind;
            }

            @Override
            public String format() {
                return format;
            }

            @Override
            public byte[] bytes() {
                return data;
            }

            @Override
            public Optional<String> url(long expirySeconds) {
                return Optional.empty();
            }
        };
    }
}
