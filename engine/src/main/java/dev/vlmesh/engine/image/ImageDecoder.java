package dev.vlmesh.engine.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Decodes JPEG, PNG, GIF (first frame), BMP and WebP to 8-bit RGB equal to Pillow's
 * {@code Image.open(f).convert('RGB')}. The format comes from the magic bytes; the file size and the header's
 * width × height are checked against {@link ImageLimits} before the pixels are decoded.
 */
public final class ImageDecoder {
    private final ImageLimits limits;

    public ImageDecoder(ImageLimits limits) {
        this.limits = limits;
    }

    public ImageLimits limits() {
        return limits;
    }

    /** Reads and decodes a file (its size is checked before it is read). */
    public RgbImage decode(Path file) throws IOException {
        long size = Files.size(file);
        limits.checkFileSize(size);
        ImageInfo info = ImageProbe.probe(file);
        limits.checkPixels(info);
        return decodeChecked(Files.readAllBytes(file), info);
    }

    public RgbImage decode(byte[] data) throws ImageDecodeException {
        limits.checkFileSize(data.length);
        ImageInfo info = ImageProbe.probe(data);
        limits.checkPixels(info);
        return decodeChecked(data, info);
    }

    private static RgbImage decodeChecked(byte[] data, ImageInfo info) throws ImageDecodeException {
        RgbImage img;
        try {
            img = switch (info.format()) {
                case JPEG -> JpegDecoder.decode(data);
                case PNG -> PngDecoder.decode(data);
                case GIF -> GifDecoder.decode(data);
                case BMP -> BmpDecoder.decode(data);
                case WEBP -> WebpDecoder.decode(data);
            };
        } catch (OutOfMemoryError e) {
            throw new ImageDecodeException("not enough memory to decode a " + info.width() + "x" + info.height() + " "
                    + info.format() + " image");
        } catch (ArrayIndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new ImageDecodeException("corrupt " + info.format() + " image: " + e, e);
        }
        if (img.width() != info.width() || img.height() != info.height()) {
            throw new ImageDecodeException(info.format() + " decoded to " + img.width() + "x" + img.height()
                    + " but its header says " + info.width() + "x" + info.height());
        }
        return img;
    }
}
