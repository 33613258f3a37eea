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

    /**
     * The verified bytes in a new temporary file in {@code dir} (the caller deletes it). Decoders that read files
     * (video) use this; the default writes {@link #bytes()}, the store's media streams to the file instead.
     */
    default java.nio.file.Path toFile(java.nio.file.Path dir) throws JobFailure, InterruptedException {
        byte[] data = bytes();
        try {
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Path f = java.nio.file.Files.createTempFile(dir, "vlmesh-media-", ".bin");
            java.nio.file.Files.write(f, data);
            return f;
        } catch (java.io.IOException e) {
            throw JobFailure.retryable(dev.vlmesh.events.ErrorCodes.INTERNAL, "could not write media to " + dir
                    + ": " + e.getMessage(), e);
        }
    }

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
