package dev.vlmesh.engine.generate;

import dev.vlmesh.engine.image.PixelValues;

/**
 * A request after preprocessing: the prompt's token ids (with {@code <IMG_CONTEXT>} runs where the images go) and
 * the pixel tiles of all images and frames in order (null for text only). {@code imageFeatures}, when not null, are
 * the projector outputs of those tiles computed earlier ({@link InternVlModel#imageFeatures}); the vision encoder
 * is then skipped (for example when a conversation continues about the same image).
 */
public record PreparedInput(int[] tokenIds, PixelValues pixels, float[] imageFeatures, int imageTokens,
                            long preprocessNanos) {

    public PreparedInput {
        if (tokenIds == null || tokenIds.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
    }

    /** Token ids and pixels given directly (for tools and tests), no preprocessing time. */
    public static PreparedInput of(int[] tokenIds, PixelValues pixels, int imageTokenId) {
        return new PreparedInput(tokenIds, pixels, null, count(tokenIds, imageTokenId), 0);
    }

    /** Token ids and already computed image features. */
    public static PreparedInput withFeatures(int[] tokenIds, float[] imageFeatures, int imageTokenId) {
        return new PreparedInput(tokenIds, null, imageFeatures, count(tokenIds, imageTokenId), 0);
    }

    private static int count(int[] ids, int imageTokenId) {
        int n = 0;
        for (int id : ids) {
            if (id == imageTokenId) {
                n++;
            }
        }
        return n;
    }
}
