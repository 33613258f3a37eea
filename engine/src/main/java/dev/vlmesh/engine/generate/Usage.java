package dev.vlmesh.engine.generate;

/**
 * Token counts of one generation.
 *
 * @param promptTokens     tokens of the rendered prompt, image tokens included
 * @param imageTokens      {@code <IMG_CONTEXT>} tokens among them (tiles × tokens per tile)
 * @param completionTokens tokens generated, the stop token included when there was one
 */
public record Usage(int promptTokens, int imageTokens, int completionTokens) {
}
