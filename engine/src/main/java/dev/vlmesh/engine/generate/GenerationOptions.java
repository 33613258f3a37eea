package dev.vlmesh.engine.generate;

import java.util.Set;

/**
 * How to generate. Temperature 0 means greedy decoding (the default); otherwise tokens are sampled after, in
 * transformers' order, the repetition penalty, temperature, top-k and top-p. The same seed gives the same text.
 *
 * @param maxNewTokens      upper bound of generated tokens (≥ 1)
 * @param maxTiles          tile budget per image for dynamic tiling (1..12); 0 = the checkpoint's
 *                          {@code max_dynamic_patch}
 * @param temperature       0 = greedy; otherwise &gt; 0
 * @param topK              0 = off
 * @param topP              1 = off; otherwise in (0, 1)
 * @param repetitionPenalty 1 = off; otherwise &gt; 0 (transformers' CTRL-style penalty over prompt and output)
 * @param seed              sampling seed; null = draw one (reported in the result)
 * @param stopTokenIds      ids that end generation; null = the tokenizer's {@code <|im_end|>}; empty = stop only
 *                          at {@code maxNewTokens}
 */
public record GenerationOptions(int maxNewTokens, int maxTiles, double temperature, int topK, double topP,
                                double repetitionPenalty, Long seed, Set<Integer> stopTokenIds) {

    public static final int MAX_NEW_TOKENS_LIMIT = 1 << 20;

    public GenerationOptions {
        if (maxNewTokens < 1 || maxNewTokens > MAX_NEW_TOKENS_LIMIT) {
            throw new IllegalArgumentException("maxNewTokens must be in 1.." + MAX_NEW_TOKENS_LIMIT + ", got "
                    + maxNewTokens);
        }
        if (maxTiles < 0 || maxTiles > 12) {
            throw new IllegalArgumentException("maxTiles must be in 0..12 (0 = the model's default), got " + maxTiles);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be ≥ 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be ≥ 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetitionPenalty must be > 0, got " + repetitionPenalty);
        }
        stopTokenIds = stopTokenIds == null ? null : Set.copyOf(stopTokenIds);
    }

    /** Greedy decoding of at most {@code maxNewTokens}, stopping at {@code <|im_end|>}. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0, 0, 0, 1, 1, null, null);
    }

    /** Sampling with temperature and top-p (top-k off, no repetition penalty). */
    public static GenerationOptions sampling(int maxNewTokens, double temperature, double topP, Long seed) {
        return new GenerationOptions(maxNewTokens, 0, temperature, 0, topP, 1, seed, null);
    }

    public boolean greedyDecoding() {
        return temperature == 0;
    }

    public GenerationOptions withMaxTiles(int tiles) {
        return new GenerationOptions(maxNewTokens, tiles, temperature, topK, topP, repetitionPenalty, seed,
                stopTokenIds);
    }

    public GenerationOptions withTopK(int k) {
        return new GenerationOptions(maxNewTokens, maxTiles, temperature, k, topP, repetitionPenalty, seed,
                stopTokenIds);
    }

    public GenerationOptions withRepetitionPenalty(double penalty) {
        return new GenerationOptions(maxNewTokens, maxTiles, temperature, topK, topP, penalty, seed, stopTokenIds);
    }

    public GenerationOptions withSeed(Long s) {
        return new GenerationOptions(maxNewTokens, maxTiles, temperature, topK, topP, repetitionPenalty, s,
                stopTokenIds);
    }

    public GenerationOptions withStopTokenIds(Set<Integer> ids) {
        return new GenerationOptions(maxNewTokens, maxTiles, temperature, topK, topP, repetitionPenalty, seed, ids);
    }
}
