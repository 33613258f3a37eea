package dev.vlmesh.engine.image;

import java.lang.foreign.MemorySegment;

/**
 * Model input for a batch of tiles: float32 in [tiles, 3, size, size] order (channel planes R, G, B), contiguous.
 * {@code data} is shared, not copied.
 */
public record PixelValues(int tiles, int size, float[] data) {
    public PixelValues {
        if (tiles < 1 || size < 1 || data.length != (long) tiles * 3 * size * size) {
            throw new IllegalArgumentException("pixel values of " + data.length + " floats do not hold " + tiles
                    + " tiles of 3x" + size + "x" + size);
        }
    }

    /** The same floats viewed as a heap memory segment. */
    public MemorySegment segment() {
        return MemorySegment.ofArray(data);
    }

    /** Floats per tile (3·size²). */
    public int tileStride() {
        return 3 * size * size;
    }
}
