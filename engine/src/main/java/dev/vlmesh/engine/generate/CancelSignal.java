package dev.vlmesh.engine.generate;

/**
 * Lets another thread stop a generation. The generating thread checks it between vision layers, prefill chunks and
 * decode steps, so a cancelled generation ends within one decode step with {@link FinishReason#CANCELLED}.
 */
public final class CancelSignal {
    private volatile boolean cancelled;

    /** A fresh signal, not cancelled. */
    public CancelSignal() {
    }

    /** A signal that nobody will cancel. */
    public static CancelSignal none() {
        return new CancelSignal();
    }

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }
}
