package dev.vlmesh.engine.safetensors;

import java.util.Arrays;

/**
 * One tensor of a safetensors header. {@code begin}/{@code end} are byte offsets relative to the start of the data
 * section (the byte after the header), exactly as stored in {@code data_offsets}.
 */
public record SafetensorsEntry(String name, String dtype, long[] shape, long begin, long end) {

    public long byteLength() {
        return end - begin;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
