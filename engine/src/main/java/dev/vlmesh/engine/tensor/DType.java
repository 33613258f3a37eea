package dev.vlmesh.engine.tensor;

import java.util.Optional;

/**
 * Element types of weight rows. F32, F16 and BF16 are what checkpoints store; {@link #Q8_0} exists only in memory,
 * made at load time by {@link Q8Quant#quantize} (see that class for its row layout). Compute is always float32.
 */
public enum DType {
    F32("F32", 4, 1),
    F16("F16", 2, 1),
    BF16("BF16", 2, 1),
    /**
     * llama.cpp's block_q8_0: blocks of 32 consecutive elements of a row, each an fp16 scale and 32 int8 quants (34
     * bytes per block). Not a safetensors dtype: {@link #fromSafetensors} never returns it.
     */
    Q8_0(null, 0, 32);

    private final String safetensorsName;
    private final int byteSize;
    private final int blockSize;

    DType(String safetensorsName, int byteSize, int blockSize) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
        this.blockSize = blockSize;
    }

    /** The dtype string used in safetensors headers ("F32", "F16", "BF16"); null for {@link #Q8_0}. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /**
     * Bytes per element. Only for the element-wise types: a block-quantized type has no per-element size and throws
     * (use {@link #rowBytes}).
     */
    public int byteSize() {
        if (blockSize != 1) {
            throw new UnsupportedOperationException(this + " is block-quantized; use rowBytes(cols)");
        }
        return byteSize;
    }

    /** Elements per quantization block along a row: 1 for element-wise types, 32 for {@link #Q8_0}. */
    public int blockSize() {
        return blockSize;
    }

    public boolean isQuantized() {
        return blockSize != 1;
    }

    /**
     * Bytes of one row of {@code cols} elements. For {@link #Q8_0}, {@code cols} must be a multiple of 32 and a row
     * takes {@code cols + 2·cols/32} bytes (34 per block, as in llama.cpp).
     */
    public long rowBytes(long cols) {
        if (this == Q8_0) {
            if (cols % Q8_0.blockSize != 0) {
                throw new IllegalArgumentException("a Q8_0 row needs a multiple of 32 elements, got " + cols);
            }
            return cols + 2 * (cols / Q8_0.blockSize);
        }
        return cols * byteSize;
    }

    /** Maps a safetensors dtype string; empty for types the engine cannot compute with (I64, F64, BOOL, …). */
    public static Optional<DType> fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensorsName != null && t.safetensorsName.equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
