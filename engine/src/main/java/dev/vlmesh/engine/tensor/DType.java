package dev.vlmesh.engine.tensor;

import java.util.Optional;

/** Element types the engine reads from checkpoints. Compute is always float32. */
public enum DType {
    F32("F32", 4),
    F16("F16", 2),
    BF16("BF16", 2);

    private final String safetensorsName;
    private final int byteSize;

    DType(String safetensorsName, int byteSize) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
    }

    /** The dtype string used in safetensors headers ("F32", "F16", "BF16"). */
    public String safetensorsName() {
        return safetensorsName;
    }

    public int byteSize() {
        return byteSize;
    }

    /** Maps a safetensors dtype string; empty for types the engine cannot compute with (I64, F64, BOOL, …). */
    public static Optional<DType> fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
