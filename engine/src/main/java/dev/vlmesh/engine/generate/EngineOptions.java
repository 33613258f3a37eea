package dev.vlmesh.engine.generate;

import dev.vlmesh.engine.image.ImageLimits;
import dev.vlmesh.engine.kernel.ComputePool;
import dev.vlmesh.engine.kernel.GemmBackend;
import dev.vlmesh.engine.tensor.WeightFormat;

/**
 * How a model runs.
 *
 * @param threads      compute threads (caller included) when the model owns its pool
 * @param sharedPool   a pool to use instead of creating one (for several models in one process); not closed by the
 *                     model. null = the model creates and owns a pool of {@code threads}
 * @param prefillChunk prompt tokens per prefill forward pass (bounds activation memory)
 * @param maxContext   longest sequence (prompt + new tokens) accepted; 0 = the LLM's
 *                     {@code max_position_embeddings}
 * @param imageLimits  file-size and pixel-count limits checked before decoding an image
 * @param decodeBatch  most generations decoded together in one forward pass per token (continuous batching,
 *                     {@link DecodeBatch}); 1 = each generation encodes its images and decodes alone, on its own thread
 * @param weights      how linear-layer weights are held: {@link WeightFormat#AS_STORED} (default, read in place from
 *                     the mapped checkpoint) or {@link WeightFormat#Q8_0} (quantized at load, llama.cpp's Q8_0)
 * @param gemm         the kernel of the many-row products (prefill, vision): {@link GemmBackend#JAVA} (default,
 *                     bit-reproducible) or {@link GemmBackend#OPENBLAS} (OpenBLAS sgemm, faster; falls back to JAVA
 *                     with a log line if the library cannot load). With a {@code sharedPool}, the pool's own
 *                     {@link ComputePool#gemm()} applies ({@link #withSharedPool} copies it here)
 */
public record EngineOptions(int threads, ComputePool sharedPool, int prefillChunk, int maxContext,
                            ImageLimits imageLimits, int decodeBatch, WeightFormat weights, GemmBackend gemm) {

    /** Up to this many rows a batched step keeps every sequence's arithmetic identical to decoding alone. */
    public static final int DEFAULT_DECODE_BATCH = dev.vlmesh.engine.kernel.MatMul.GEMM_MIN_ROWS - 1;

    public EngineOptions(int threads, ComputePool sharedPool, int prefillChunk, int maxContext,
                         ImageLimits imageLimits) {
        this(threads, sharedPool, prefillChunk, maxContext, imageLimits, DEFAULT_DECODE_BATCH);
    }

    /** Weights as stored. */
    public EngineOptions(int threads, ComputePool sharedPool, int prefillChunk, int maxContext,
                         ImageLimits imageLimits, int decodeBatch) {
        this(threads, sharedPool, prefillChunk, maxContext, imageLimits, decodeBatch, WeightFormat.AS_STORED);
    }

    /** The Java GEMM kernels (or, with a shared pool, the pool's). */
    public EngineOptions(int threads, ComputePool sharedPool, int prefillChunk, int maxContext,
                         ImageLimits imageLimits, int decodeBatch, WeightFormat weights) {
        this(threads, sharedPool, prefillChunk, maxContext, imageLimits, decodeBatch, weights,
                sharedPool == null ? GemmBackend.JAVA : sharedPool.gemm());
    }

    public EngineOptions {
        if (sharedPool == null && threads < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        }
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("prefillChunk must be ≥ 1, got " + prefillChunk);
        }
        if (maxContext < 0) {
            throw new IllegalArgumentException("maxContext must be ≥ 0, got " + maxContext);
        }
        if (decodeBatch < 1) {
            throw new IllegalArgumentException("decodeBatch must be ≥ 1, got " + decodeBatch);
        }
        if (imageLimits == null) {
            imageLimits = ImageLimits.DEFAULT;
        }
        if (weights == null) {
            weights = WeightFormat.AS_STORED;
        }
        if (gemm == null) {
            gemm = sharedPool == null ? GemmBackend.JAVA : sharedPool.gemm();
        }
    }

    /**
     * All available processors, 256-token prefill chunks, the model's context length, default image limits, up to
     * {@link #DEFAULT_DECODE_BATCH} generations decoded together, weights as stored.
     */
    public static EngineOptions defaults() {
        return new EngineOptions(Runtime.getRuntime().availableProcessors(), null, 256, 0, ImageLimits.DEFAULT);
    }

    public EngineOptions withThreads(int n) {
        return new EngineOptions(n, null, prefillChunk, maxContext, imageLimits, decodeBatch, weights, gemm);
    }

    public EngineOptions withSharedPool(ComputePool pool) {
        return new EngineOptions(pool.threads(), pool, prefillChunk, maxContext, imageLimits, decodeBatch, weights,
                pool.gemm());
    }

    public EngineOptions withPrefillChunk(int rows) {
        return new EngineOptions(threads, sharedPool, rows, maxContext, imageLimits, decodeBatch, weights, gemm);
    }

    public EngineOptions withMaxContext(int tokens) {
        return new EngineOptions(threads, sharedPool, prefillChunk, tokens, imageLimits, decodeBatch, weights, gemm);
    }

    public EngineOptions withImageLimits(ImageLimits limits) {
        return new EngineOptions(threads, sharedPool, prefillChunk, maxContext, limits, decodeBatch, weights, gemm);
    }

    public EngineOptions withDecodeBatch(int sequences) {
        return new EngineOptions(threads, sharedPool, prefillChunk, maxContext, imageLimits, sequences, weights, gemm);
    }

    public EngineOptions withWeights(WeightFormat format) {
        return new EngineOptions(threads, sharedPool, prefillChunk, maxContext, imageLimits, decodeBatch, format,
                gemm);
    }

    /** The GEMM backend of the pool the model creates (ignored with a shared pool, whose own backend applies). */
    public EngineOptions withGemm(GemmBackend backend) {
        return new EngineOptions(threads, sharedPool, prefillChunk, maxContext, imageLimits, decodeBatch, weights,
                backend);
    }
}
