package dev.vlmesh.engine.image;

/**
 * Bounds checked from the file size and the header before any pixel is decoded.
 *
 * @param maxFileBytes largest accepted encoded file
 * @param maxPixels    largest accepted width × height (decoding needs about 3 bytes per pixel, plus the resize)
 */
public record ImageLimits(long maxFileBytes, long maxPixels) {
    /** 64 MiB files, 50 megapixels (Pillow warns from 89 MP and refuses from 179 MP). */
    public static final ImageLimits DEFAULT = new ImageLimits(64L << 20, 50_000_000L);

    public ImageLimits {
        if (maxFileBytes < 1 || maxPixels < 1) {
            throw new IllegalArgumentException("image limits must be positive");
        }
    }

    void checkFileSize(long bytes) throws ImageLimitException {
        if (bytes > maxFileBytes) {
            throw new ImageLimitException("image file of " + bytes + " bytes is over the limit of " + maxFileBytes
                    + " bytes");
        }
    }

    void checkPixels(ImageInfo info) throws ImageLimitException {
        if (info.pixels() > maxPixels) {
            throw new ImageLimitException(info.format() + " image of " + info.width() + "x" + info.height() + " ("
                    + info.pixels() + " pixels) is over the limit of " + maxPixels + " pixels");
        }
    }
}
