package dev.vlmesh.engine.image;

/** Image container formats the engine decodes, recognised by their magic bytes (never by file name). */
public enum ImageFormat {
    JPEG, PNG, GIF, BMP, WEBP
}
