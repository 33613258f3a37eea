package dev.vlmesh.engine.kernel;

import java.util.Locale;

/**
 * Which kernel runs {@link MatMul}'s many-row products (prefill chunks, vision tiles: {@code rows ≥}
 * {@link MatMul#GEMM_MIN_ROWS}). Decode (few rows) always runs the Java GEMV, which reads the stored weights in place.
 */
public enum GemmBackend {
    /**
     * The Vector API kernels (default): no native code, and the summation order of every output is fixed, so results
     * are bit-reproducible across runs and thread counts.
     */
    JAVA,
    /**
     * OpenBLAS {@code cblas_sgemm} from {@code org.bytedeco:openblas} ({@link OpenBlasGemm}): 1.2–1.6× the Java GEMM
     * on these machines, 1.24× a whole vision tile, 1.42× a prefill (bench/engine/BLAS.md); weights that are not f32
     * are widened per call into small reused buffers. Results differ from {@link #JAVA} in the last bits (another summation order). Falls back to
     * {@link #JAVA}, with a log line, when the native library cannot be loaded.
     */
    OPENBLAS;

    /** {@code java} or {@code openblas}, any case. */
    public static GemmBackend parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "java" -> JAVA;
            case "openblas" -> OPENBLAS;
            default -> throw new IllegalArgumentException("unknown GEMM backend '" + name + "' (java or openblas)");
        };
    }
}
