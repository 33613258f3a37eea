package dev.vlmesh.infer.backend;

import java.util.List;

/**
 * What to generate: the question (with {@code <image>} placeholders, or none and the media go in front), earlier
 * turns, the media in order, and resolved options (no nulls except the sampling knobs).
 *
 * @param systemMessage  null for the model's default system message
 * @param temperature    0 for greedy decoding
 * @param numFrames      frames sampled from a video (per window in segment mode)
 * @param segmentSeconds video segment mode: window length, null for one answer over the whole clip
 * @param startSeconds   optional start of the video span to look at
 * @param endSeconds     optional end of that span
 */
public record GenerationInput(
        String systemMessage,
        List<Turn> history,
        String question,
        List<MediaInput> media,
        int maxNewTokens,
        int maxTiles,
        int numFrames,
        double temperature,
        Double topP,
        Integer topK,
        Long seed,
        Double segmentSeconds,
        Double startSeconds,
        Double endSeconds) {

    public GenerationInput {
        history = List.copyOf(history);
        media = List.copyOf(media);
    }

    /** Without video span or segment options. */
    public GenerationInput(String systemMessage, List<Turn> history, String question, List<MediaInput> media,
                           int maxNewTokens, int maxTiles, int numFrames, double temperature, Double topP,
                           Integer topK, Long seed) {
        this(systemMessage, history, question, media, maxNewTokens, maxTiles, numFrames, temperature, topP, topK, seed,
                null, null, null);
    }

    /** Segment mode: the video is described window by window. */
    public boolean segmented() {
        return segmentSeconds != null;
    }

    /** An earlier question and its answer. */
    public record Turn(String question, String answer) {
    }

    public boolean greedy() {
        return temperature <= 0;
    }
}
