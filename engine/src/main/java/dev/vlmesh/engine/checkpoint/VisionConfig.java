package dev.vlmesh.engine.checkpoint;

/** InternViT hyperparameters. 300M: layer norm with qkv bias; 6B: RMS norm, no qkv bias, full-width q/k norm. */
public record VisionConfig(
        int hiddenSize,
        int layers,
        int heads,
        int intermediateSize,
        NormType normType,
        double normEps,
        boolean qkvBias,
        boolean qkNorm,
        int imageSize,
        int patchSize) {

    public enum NormType { LAYER_NORM, RMS_NORM }

    public int headDim() {
        return hiddenSize / heads;
    }

    /** Patches per side of the image size the position table was trained for. */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Rows of the position-embedding table: one per patch plus the class token. */
    public int positions() {
        return gridSize() * gridSize() + 1;
    }
}
