package dev.vlmesh.engine.image;

/** An image refused by a limit (file size, pixel count, tiles) before any pixel was decoded. */
public final class ImageLimitException extends ImageDecodeException {
    public ImageLimitException(String message) {
        super(message);
    }
}
