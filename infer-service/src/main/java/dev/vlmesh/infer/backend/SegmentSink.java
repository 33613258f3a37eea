package dev.vlmesh.infer.backend;

/**
 * Receives video segment mode as it happens: each window's generated text, then the window's answer. Calls come
 * in window order from the generating thread.
 */
public interface SegmentSink {

    /** Window {@code segment} is decoded and about to be described. */
    void segmentStarted(int segment, double startSeconds, double endSeconds) throws JobFailure, InterruptedException;

    /** Generated text of the current window. */
    void text(String text, int tokens);

    /** The window's answer (the engine's final text of that window). */
    void segmentCompleted(int segment, double startSeconds, double endSeconds, String answer)
            throws JobFailure, InterruptedException;
}
