package dev.vlmesh.engine.image;

/**
 * What {@link ImageProbe} learns from a header: the format and the size Pillow will report for the decoded image.
 *
 * @param components colour components as stored (JPEG: 1, 3 or 4; 0 when the format does not say)
 */
public record ImageInfo(ImageFormat format, int width, int height, int components) {
    public long pixels() {
        return (long) width * height;
    }
}
