package dev.vlmesh.events;

/** Events about one job. All of them are keyed by job id, so a job's history is totally ordered. */
public sealed interface JobEvent extends VlmeshEvent
        permits JobSubmitted, JobStarted, TokenDelta, SegmentCompleted, JobCompleted, JobFailed, JobCancelRequested {

    String jobId();

    String tenantId();

    @Override
    default String key() {
        return jobId();
    }

    /** Whether this event ends the job: nothing follows it. */
    default boolean terminal() {
        return this instanceof JobCompleted || this instanceof JobFailed;
    }
}
