package dev.vlmesh.infer.backend;

/**
 * How a generation ended. Times are milliseconds spent in the backend; those a backend cannot see (a remote
 * server's vision time) are 0.
 *
 * @param finishReason {@code stop}, {@code length} or {@code cancelled}
 * @param text         the whole generated text
 */
public record Outcome(
        String text,
        String finishReason,
        int promptTokens,
        int imageTokens,
        int completionTokens,
        long preprocessMs,
        long visionMs,
        long prefillMs,
        long decodeMs,
        long timeToFirstTokenMs) {
}
