package dev.vlmesh.events;

import java.util.UUID;

/** Identifier generation in one place, so every id has the same shape. */
public final class Ids {

    private Ids() {
    }

    public static String newEventId() {
        return UUID.randomUUID().toString();
    }

    /** Job ids are prefixed so that a reader of a log line knows what kind of id it is. */
    public static String newJobId() {
        return "job_" + UUID.randomUUID().toString().replace("-", "");
    }

    public static String newBatchId() {
        return "batch_" + UUID.randomUUID().toString().replace("-", "");
    }

    public static String newConversionId() {
        return "conv_" + UUID.randomUUID().toString().replace("-", "");
    }

    public static String newUploadId() {
        return "upl_" + UUID.randomUUID().toString().replace("-", "");
    }
}
