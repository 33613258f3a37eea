package dev.vlmesh.engine.generate;

import dev.vlmesh.engine.image.PixelValues;
import dev.vlmesh.engine.image.RgbImage;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One image (or video frame) of a request: a file, encoded bytes, a decoded RGB image, or ready model input
 * (tiles already cut and normalised, used as they are).
 */
public sealed interface ImageInput {

    record File(Path path) implements ImageInput {
        public File {
            Objects.requireNonNull(path, "path");
        }
    }

    record Bytes(byte[] data) implements ImageInput {
        public Bytes {
            Objects.requireNonNull(data, "data");
        }
    }

    record Decoded(RgbImage image) implements ImageInput {
        public Decoded {
            Objects.requireNonNull(image, "image");
        }
    }

    record Pixels(PixelValues pixels) implements ImageInput {
        public Pixels {
            Objects.requireNonNull(pixels, "pixels");
        }
    }

    static ImageInput file(Path path) {
        return new File(path);
    }

    static ImageInput bytes(byte[] data) {
        return new Bytes(data);
    }

    static ImageInput decoded(RgbImage image) {
        return new Decoded(image);
    }

    static ImageInput pixels(PixelValues pixels) {
        return new Pixels(pixels);
    }
}
