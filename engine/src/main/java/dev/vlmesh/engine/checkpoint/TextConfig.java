package dev.vlmesh.engine.checkpoint;

/**
 * Qwen2/Qwen2.5 decoder hyperparameters. {@code ropeScalingType} is "default" or "dynamic" (NTK, applied only
 * beyond {@code maxPositionEmbeddings}, as transformers does).
 */
public record TextConfig(
        String architecture,
        int hiddenSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int intermediateSize,
        int vocabSize,
        double ropeTheta,
        double rmsNormEps,
        int maxPositionEmbeddings,
        String ropeScalingType,
        double ropeScalingFactor,
        boolean tieWordEmbeddings) {

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }
}
