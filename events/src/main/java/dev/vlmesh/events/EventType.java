package dev.vlmesh.events;

import java.util.Arrays;
import java.util.Optional;

/** The CloudEvents {@code type} of each event, reverse-DNS and versioned, and the record class that holds it. */
public enum EventType {
    JOB_SUBMITTED("dev.vlmesh.job.submitted.v1", JobSubmitted.class),
    JOB_STARTED("dev.vlmesh.job.started.v1", JobStarted.class),
    TOKEN_DELTA("dev.vlmesh.job.token_delta.v1", TokenDelta.class),
    SEGMENT_COMPLETED("dev.vlmesh.job.segment_completed.v1", SegmentCompleted.class),
    JOB_COMPLETED("dev.vlmesh.job.completed.v1", JobCompleted.class),
    JOB_FAILED("dev.vlmesh.job.failed.v1", JobFailed.class),
    JOB_CANCEL_REQUESTED("dev.vlmesh.job.cancel_requested.v1", JobCancelRequested.class),
    CHECKPOINT_REFRESH_REQUESTED("dev.vlmesh.checkpoint.refresh_requested.v1", CheckpointRefreshRequested.class),
    CONVERSION_PROGRESS("dev.vlmesh.checkpoint.conversion_progress.v1", ConversionProgress.class),
    CHECKPOINT_READY("dev.vlmesh.checkpoint.ready.v1", CheckpointReady.class),
    CHECKPOINT_FAILED("dev.vlmesh.checkpoint.failed.v1", CheckpointFailed.class);

    private final String ceType;
    private final Class<? extends VlmeshEvent> recordClass;

    EventType(String ceType, Class<? extends VlmeshEvent> recordClass) {
        this.ceType = ceType;
        this.recordClass = recordClass;
    }

    public String ceType() {
        return ceType;
    }

    public Class<? extends VlmeshEvent> recordClass() {
        return recordClass;
    }

    public static Optional<EventType> fromCeType(String ceType) {
        return Arrays.stream(values()).filter(t -> t.ceType.equals(ceType)).findFirst();
    }

    static EventType of(Class<?> recordClass) {
        for (EventType t : values()) {
            if (t.recordClass == recordClass) {
                return t;
            }
        }
        throw new IllegalStateException("no event type for " + recordClass);
    }
}
