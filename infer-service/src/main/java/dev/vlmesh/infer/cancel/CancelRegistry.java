package dev.vlmesh.infer.cancel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cancel requests by job id. A running job registers its {@link StopSignal}; a cancel for it stops the signal. A
 * cancel for a job this worker has not started yet is remembered (bounded, oldest forgotten first), so a queued or
 * later redelivered job ends as cancelled without running.
 */
public final class CancelRegistry {

    private static final int REMEMBERED = 100_000;

    private final Map<String, StopSignal> running = new ConcurrentHashMap<>();
    private final Map<String, Long> requested = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > REMEMBERED;
        }
    };

    public void cancel(String jobId) {
        synchronized (requested) {
            requested.put(jobId, System.currentTimeMillis());
        }
        StopSignal s = running.get(jobId);
        if (s != null) {
            s.stop(StopSignal.Reason.CANCEL);
        }
    }

    /** Registers a running job; its signal is already stopped if a cancel came first. */
    public void register(String jobId, StopSignal signal) {
        running.put(jobId, signal);
        if (isCancelled(jobId)) {
            signal.stop(StopSignal.Reason.CANCEL);
        }
    }

    public void unregister(String jobId, StopSignal signal) {
        running.remove(jobId, signal);
    }

    public boolean isCancelled(String jobId) {
        synchronized (requested) {
            return requested.containsKey(jobId);
        }
    }
}
