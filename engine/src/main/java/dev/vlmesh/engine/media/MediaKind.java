package dev.vlmesh.engine.media;

/** Still image or video. */
public enum MediaKind {
    IMAGE, VIDEO
}
