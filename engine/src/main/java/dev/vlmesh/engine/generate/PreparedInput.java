package dev.vlmesh.engine.generate;

import dev.vlmesh.engine.image.PixelValues;

/**
 * A request after preprocessing: the prompt's token ids (with {@code <IMG_CONTEXT>} runs where the images go) and
 * the pixel tiles of all images and frames in order (null for text only).
 */
public record PreparedInput(int[] tokenIds, PixelValues pixels, int imageTokens, long preprocessNanos) {

    public PreparedInput {
        if (tokenIds == null || tokenIds.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
    }

    /** Token ids and pixels given directly (for tools and tests), no preprocessing time. */
    public static PreparedInput of(int[] tokenIds, PixelValues pixels, int imageTokenId) {
        int n = 0;
        for (int id : tokenIds) {
            if (id == imageTokenId) {
                n++;
            }
        }
        return new PreparedInput(tokenIds, pixels, n, 0);
    }
}
