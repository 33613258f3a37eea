package dev.vlmesh.events;

/** Token counts of a finished job; image tokens are included in prompt tokens. */
public record Usage(int promptTokens, int imageTokens, int completionTokens) {

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
