package dev.vlmesh.engine.checkpoint;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A tensor as a checkpoint stores it, under its canonical name. {@code data} is a zero-copy view (normally a slice
 * of a memory-mapped file). {@code part} says which rows of the stored tensor this is when a fused tensor was split
 * (for example "rows 0..1023 of 3072"), else null.
 *
 * @param dtype the safetensors dtype string (may be one the engine cannot compute with; checked at use)
 */
public record StoredTensor(String canonicalName, String storedName, Path file, String dtype, long[] shape,
                           MemorySegment data, String part) {

    /** "'stored.name' in file.safetensors" (+ the row range of a split), for error messages. */
    public String origin() {
        return "'" + storedName + "'" + (part == null ? "" : " (" + part + ")") + " in " + file;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
