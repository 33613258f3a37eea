package dev.vlmesh.engine.generate;

import dev.vlmesh.engine.image.PixelValues;
import dev.vlmesh.engine.image.RgbImage;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One image (or video frame) of a request: a file, encoded bytes, a decoded RGB image, or ready model input
 * (tiles already cut and normalised, used as they are). {@code maxTiles} overrides the request's tile budget for
 * this image (0 = use {@link GenerationOptions#maxTiles()}); video frames are always one tile.
 */
public sealed interface ImageInput {

    record File(Path path, int maxTiles) implements ImageInput {
        public File {
            Objects.requireNonNull(path, "path");
            checkTiles(maxTiles);
        }
    }

    record Bytes(byte[] data, int maxTiles) implements ImageInput {
        public Bytes {
            Objects.requireNonNull(data, "data");
            checkTiles(maxTiles);
        }
    }

    record Decoded(RgbImage image, int maxTiles) implements ImageInput {
        public Decoded {
            Objects.requireNonNull(image, "image");
            checkTiles(maxTiles);
        }
    }

    record Pixels(PixelValues pixels) implements ImageInput {
        public Pixels {
            Objects.requireNonNull(pixels, "pixels");
        }
    }

    /** The per-image tile budget, 0 when the request's applies. */
    default int maxTiles() {
        return 0;
    }

    static ImageInput file(Path path) {
        return new File(path, 0);
    }

    static ImageInput file(Path path, int maxTiles) {
        return new File(path, maxTiles);
    }

    static ImageInput bytes(byte[] data) {
        return new Bytes(data, 0);
    }

    static ImageInput bytes(byte[] data, int maxTiles) {
        return new Bytes(data, maxTiles);
    }

    static ImageInput decoded(RgbImage image) {
        return new Decoded(image, 0);
    }

    static ImageInput decoded(RgbImage image, int maxTiles) {
        return new Decoded(image, maxTiles);
    }

    static ImageInput pixels(PixelValues pixels) {
        return new Pixels(pixels);
    }

    private static void checkTiles(int maxTiles) {
        if (maxTiles < 0 || maxTiles > 12) {
            throw new IllegalArgumentException("maxTiles must be in 0..12 (0 = the request's), got " + maxTiles);
        }
    }
}
