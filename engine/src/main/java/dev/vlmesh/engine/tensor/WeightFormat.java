package dev.vlmesh.engine.tensor;

import java.util.Locale;

/** How the linear-layer weights of a model are held in memory. */
public enum WeightFormat {
    /** As the checkpoint stores them (F32, F16 or BF16), read in place from the memory-mapped files. */
    AS_STORED,
    /**
     * Quantized at load to {@link DType#Q8_0} (llama.cpp's block_q8_0, see {@link Q8Quant}) in memory of their own.
     * Matrices whose rows are not a multiple of 32 elements stay as stored; embeddings always do.
     */
    Q8_0;

    /** "as-stored" / "stored" or "q8_0" / "q8", any case (for command lines and configuration). */
    public static WeightFormat parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT).replace('-', '_')) {
            case "as_stored", "stored" -> AS_STORED;
            case "q8_0", "q8" -> Q8_0;
            default -> throw new IllegalArgumentException("unknown weight format '" + s + "' (as-stored or q8_0)");
        };
    }

    /** The name {@link #parse} reads: "as-stored" or "q8_0". */
    public String cliName() {
        return this == AS_STORED ? "as-stored" : "q8_0";
    }
}
