package dev.vlmesh.engine.generate;

/**
 * The outcome of one generation.
 *
 * @param text     the answer: generated tokens decoded without special tokens, trimmed (as the reference's
 *                 {@code chat()} returns it)
 * @param tokenIds generated token ids, without the stop token
 * @param seed     the sampling seed used (the requested one, or the one drawn when none was given)
 */
public record GenerationResult(String text, int[] tokenIds, FinishReason finishReason, Usage usage, Timings timings,
                               long seed) {
}
