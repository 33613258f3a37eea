package dev.vlmesh.engine.checkpoint;

/**
 * Everything the engine needs from an InternVL checkpoint's config.json, normalised across layouts.
 *
 * @param imageSize        tile size fed to the vision encoder ({@code force_image_size}, else the ViT image size)
 * @param imageTokenId     id of {@code <IMG_CONTEXT>} if the config states it (-hf layout), else -1 (take it from
 *                         the tokenizer)
 * @param selectLayer      vision layer whose output is used; -1 = last, like Python indexing of hidden states
 */
public record ModelConfig(
        CheckpointLayout layout,
        VisionConfig vision,
        TextConfig text,
        double downsampleRatio,
        String psVersion,
        int selectLayer,
        int imageSize,
        int imageTokenId,
        String template,
        boolean dynamicImageSize,
        boolean useThumbnail,
        int minDynamicPatch,
        int maxDynamicPatch) {

    /** LLM tokens produced per tile after pixel shuffle: (imageSize / patch)² × ratio². */
    public int tokensPerTile() {
        int grid = imageSize / vision.patchSize();
        return (int) (grid * grid * downsampleRatio * downsampleRatio);
    }

    /** Number of vision encoder layers that actually run for {@link #selectLayer}. */
    public int visionLayersUsed() {
        return selectLayer < 0 ? vision.layers() + 1 + selectLayer : selectLayer;
    }
}
