package dev.vlmesh.engine.image;

/**
 * An 8-bit RGB image, row-major, three bytes per pixel (R, G, B), no padding. {@code pixels} is shared, not copied.
 */
public record RgbImage(int width, int height, byte[] pixels) {
    public RgbImage {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size " + width + "x" + height + " is empty");
        }
        if (pixels.length != (long) width * height * 3) {
            throw new IllegalArgumentException("expected " + (long) width * height * 3 + " bytes for " + width + "x"
                    + height + " RGB, got " + pixels.length);
        }
    }

    /** A copy of the rectangle at (x, y) of size w×h. */
    public RgbImage crop(int x, int y, int w, int h) {
        if (x < 0 || y < 0 || w < 1 || h < 1 || x + w > width || y + h > height) {
            throw new IllegalArgumentException("crop " + x + "," + y + " " + w + "x" + h + " is outside " + width
                    + "x" + height);
        }
        byte[] out = new byte[w * h * 3];
        for (int row = 0; row < h; row++) {
            System.arraycopy(pixels, ((y + row) * width + x) * 3, out, row * w * 3, w * 3);
        }
        return new RgbImage(w, h, out);
    }
}
