package dev.vlmesh.results.state;

import java.time.Instant;

/**
 * One entry of a job's event stream, as served over SSE: {@code seq} is the SSE id (1, 2, 3 … per job, the same on
 * every instance because it is assigned in the job's partition order), {@code name} the SSE event name and
 * {@code data} the JSON payload. The {@code submitted} event has seq 0: it comes from another topic, so it appears
 * only in the tenant-wide live stream, never in a job's numbered stream.
 */
public record StreamEvent(String jobId, String tenantId, long seq, String name, Instant time, String data) {

    public static final String SUBMITTED = "submitted";
    public static final String STARTED = "started";
    public static final String DELTA = "delta";
    public static final String SEGMENT = "segment";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    public boolean terminal() {
        return COMPLETED.equals(name) || FAILED.equals(name);
    }
}
