import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.checkpoint.TextConfig;
import dev.vlmesh.engine.checkpoint.VisionConfig;

/**
 * Useful work of each stage, from the config alone: the FLOPs a dense implementation must do (a multiply-add counts
 * 2; causal attention counts only the keys each query sees) and the weight bytes a decode step must read. These are
 * the numerators of the "fraction of the machine's limit" figures; the counting follows
 * /work/shared/reference/cpu-performance.md so the llama.cpp fractions there are comparable.
 */
record ModelCost(ModelConfig config, double weightBytesPerElement) {

    /** Vision encoder + pixel shuffle + projector for one tile of {@code size} pixels. */
    double visionFlopsPerTile(int size) {
        VisionConfig v = config.vision();
        long c = v.hiddenSize();
        long p = v.patchSize();
        long patches = (long) (size / p) * (size / p);
        long tokens = patches + 1;
        long layers = config.visionLayersUsed();
        double patchEmbed = 2.0 * patches * 3 * p * p * c;
        double linear = 2.0 * tokens * (3 * c * c + c * c + 2 * c * v.intermediateSize()) * layers;
        double attention = 4.0 * tokens * tokens * c * layers;
        long out = patches / 4;
        long d = config.text().hiddenSize();
        double projector = 2.0 * out * (4 * c * d + d * d);
        return patchEmbed + linear + attention + projector;
    }

    /** Matrix weights of the decoder layers (elements), the part every token multiplies. */
    long layerMatrixElements() {
        TextConfig t = config.text();
        long d = t.hiddenSize();
        long perLayer = (long) (t.qDim() + 2 * t.kvDim()) * d + (long) d * t.qDim() + 3L * t.intermediateSize() * d;
        return perLayer * t.layers();
    }

    /** Prefill of a prompt of {@code n} tokens from an empty cache, logits for the last position only. */
    double prefillFlops(int n) {
        TextConfig t = config.text();
        double matrices = 2.0 * layerMatrixElements() * n;
        double attention = 2.0 * t.qDim() * (double) n * (n + 1) * t.layers();
        double head = 2.0 * t.vocabSize() * t.hiddenSize();
        return matrices + attention + head;
    }

    /** Weight bytes one decode step reads: layer matrices, the LM head, one embedding row, norms and biases. */
    double decodeWeightBytes() {
        TextConfig t = config.text();
        double matrices = (double) (layerMatrixElements() + (long) t.vocabSize() * t.hiddenSize() + t.hiddenSize())
                * weightBytesPerElement;
        // norms and q/k/v biases are widened to float at load
        double small = 4.0 * (t.layers() * (2L * t.hiddenSize() + t.qDim() + 2L * t.kvDim()) + t.hiddenSize());
        return matrices + small;
    }

    /** KV-cache bytes one decode step reads at {@code context} positions (the cache is float32). */
    double decodeKvBytes(int context) {
        TextConfig t = config.text();
        return 2.0 * 4 * t.layers() * t.kvDim() * (double) context;
    }
}
