package dev.vlmesh.engine.prompt;

/** One finished exchange of a conversation. */
public record ChatTurn(String question, String answer) {
    public ChatTurn {
        if (question == null || answer == null) {
            throw new IllegalArgumentException("a history turn needs both a question and an answer");
        }
    }
}
