package dev.vlmesh.infer.cancel;

/**
 * Tells a running generation to stop after its current decode step. A user's cancel ends the job as
 * {@code cancelled} with the partial text; an abort (the partition moved to another worker, or shutdown) ends it
 * with no terminal event, so that the record's next owner runs it again.
 */
public final class StopSignal {

    public enum Reason { CANCEL, ABORT }

    private volatile Reason reason;
    private final java.util.List<Runnable> listeners = new java.util.ArrayList<>();

    /** Requests a stop; the first reason wins, except that an abort overrides a cancel (nothing may be published). */
    public void stop(Reason r) {
        java.util.List<Runnable> toRun;
        synchronized (this) {
            if (reason == null || r == Reason.ABORT) {
                reason = r;
            }
            toRun = java.util.List.copyOf(listeners);
        }
        toRun.forEach(Runnable::run);
    }

    /** Runs {@code action} when the signal stops (at once if it already has), e.g. to raise an engine's signal. */
    public void onStop(Runnable action) {
        synchronized (this) {
            if (reason == null) {
                listeners.add(action);
                return;
            }
        }
        action.run();
    }

    public boolean stopped() {
        return reason != null;
    }

    public Reason reason() {
        return reason;
    }

    public boolean aborted() {
        return reason == Reason.ABORT;
    }
}
