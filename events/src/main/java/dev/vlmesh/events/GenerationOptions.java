package dev.vlmesh.events;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Per-job generation and preprocessing options. Null means "the worker's default".
 *
 * @param maxNewTokens   cap on generated tokens
 * @param maxTiles       dynamic-tiling cap per image (InternVL {@code max_num})
 * @param numFrames      frames sampled from a video ({@code num_segments})
 * @param temperature    0 or null selects greedy decoding
 * @param topP           nucleus sampling threshold
 * @param topK           top-k sampling cutoff
 * @param seed           sampling seed: same seed, same text
 * @param segmentSeconds video segment mode: window length; null for a single answer over the whole clip
 * @param startSeconds   optional video start bound
 * @param endSeconds     optional video end bound
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerationOptions(
        Integer maxNewTokens,
        Integer maxTiles,
        Integer numFrames,
        Double temperature,
        Double topP,
        Integer topK,
        Long seed,
        Double segmentSeconds,
        Double startSeconds,
        Double endSeconds) {

    public static GenerationOptions defaults() {
        return new GenerationOptions(null, null, null, null, null, null, null, null, null, null);
    }
}
