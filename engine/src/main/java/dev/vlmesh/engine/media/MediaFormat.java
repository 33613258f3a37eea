package dev.vlmesh.engine.media;

import dev.vlmesh.engine.image.ImageFormat;

/**
 * The container formats vlmesh accepts, recognised by their magic bytes (never by file name or declared content
 * type). MP4 and MOV share the ISO base media file format; WebM is the Matroska subset browsers write.
 */
public enum MediaFormat {
    JPEG(MediaKind.IMAGE, "jpeg", "image/jpeg", ImageFormat.JPEG),
    PNG(MediaKind.IMAGE, "png", "image/png", ImageFormat.PNG),
    WEBP(MediaKind.IMAGE, "webp", "image/webp", ImageFormat.WEBP),
    GIF(MediaKind.IMAGE, "gif", "image/gif", ImageFormat.GIF),
    BMP(MediaKind.IMAGE, "bmp", "image/bmp", ImageFormat.BMP),
    MP4(MediaKind.VIDEO, "mp4", "video/mp4", null),
    MOV(MediaKind.VIDEO, "mov", "video/quicktime", null),
    WEBM(MediaKind.VIDEO, "webm", "video/webm", null),
    MKV(MediaKind.VIDEO, "mkv", "video/x-matroska", null);

    private final MediaKind kind;
    private final String wireName;
    private final String mimeType;
    private final ImageFormat imageFormat;

    MediaFormat(MediaKind kind, String wireName, String mimeType, ImageFormat imageFormat) {
        this.kind = kind;
        this.wireName = wireName;
        this.mimeType = mimeType;
        this.imageFormat = imageFormat;
    }

    public MediaKind kind() {
        return kind;
    }

    /** Lower-case name used in events and APIs ({@code MediaRef.format}). */
    public String wireName() {
        return wireName;
    }

    public String mimeType() {
        return mimeType;
    }

    /** The engine's image decoder format, for images; null for videos. */
    public ImageFormat imageFormat() {
        return imageFormat;
    }

    public static MediaFormat fromWireName(String name) {
        for (MediaFormat f : values()) {
            if (f.wireName.equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown media format '" + name + "'");
    }

    /** What to tell a user who sent something else. */
    public static final String ACCEPTED = "JPEG, PNG, WebP, GIF or BMP images and MP4/MOV or WebM/MKV videos";
}
