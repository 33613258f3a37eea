package dev.vlmesh.infer.backend;

import java.util.List;

/**
 * What to generate: the question (with {@code <image>} placeholders, or none and the media go in front), earlier
 * turns, the media in order, and resolved options (no nulls except the sampling knobs).
 *
 * @param systemMessage null for the model's default system message
 * @param temperature   0 for greedy decoding
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
        Long seed) {

    public GenerationInput {
        history = List.copyOf(history);
        media = List.copyOf(media);
    }

    /** An earlier question and its answer. */
    public record Turn(String question, String answer) {
    }

    public boolean greedy() {
        return temperature <= 0;
    }
}
