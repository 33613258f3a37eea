package dev.vlmesh.results.state;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Keys of the state stores. RocksDB orders keys bytewise, so numbers are zero-padded and a prefix scan returns a
 * job's events in stream order and a tenant's jobs in creation order.
 *
 * <pre>
 * jobs        {jobId}                                  → JobState
 * job-events  {jobId}/{seq:12}                         → StreamEvent
 * event-ids   {jobId}/{eventId}                        → seq (duplicate filter; dropped when the job ends)
 * job-index   t/{tenant}/{createdMillis:13}/{jobId}     → jobId
 *             b/{tenant}/{batchId}/{createdMillis:13}/{jobId} → jobId
 * webhooks    {jobId}                                  → PendingWebhook
 * </pre>
 */
public final class StoreKeys {

    public static final String JOBS = "jobs";
    public static final String JOB_EVENTS = "job-events";
    public static final String EVENT_IDS = "event-ids";
    public static final String JOB_INDEX = "job-index";
    public static final String WEBHOOKS = "webhooks";

    /** Ids that are safe inside keys: no separator, bounded length. */
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private StoreKeys() {
    }

    public static boolean safeId(String id) {
        return id != null && SAFE_ID.matcher(id).matches();
    }

    public static String event(String jobId, long seq) {
        return jobId + "/" + String.format("%012d", seq);
    }

    public static String eventsOf(String jobId) {
        return jobId + "/";
    }

    public static String eventId(String jobId, String eventId) {
        return jobId + "/" + eventId;
    }

    public static String tenantPrefix(String tenant) {
        return "t/" + tenant + "/";
    }

    public static String batchPrefix(String tenant, String batchId) {
        return "b/" + tenant + "/" + batchId + "/";
    }

    /** The part after a listing prefix: creation time and job id, which is also the pagination cursor. */
    public static String position(Instant createdAt, String jobId) {
        return String.format("%013d", Math.max(0, createdAt.toEpochMilli())) + "/" + jobId;
    }

    public static String timeBound(Instant t) {
        return String.format("%013d", Math.max(0, t.toEpochMilli()));
    }
}
