package dev.vlmesh.events;

import java.util.List;

/**
 * Every topic vlmesh uses, with its partition count. A namespace suffix (empty in production) gives each test class
 * its own set of topics on a shared broker.
 *
 * @param jobsSubmitted   {@link JobSubmitted}, keyed by job id; infer workers share it as one consumer group
 * @param jobEvents       everything that happens to a job after submission, keyed by job id
 * @param jobControl      {@link JobCancelRequested}; every worker reads all of it
 * @param checkpointRequests {@link CheckpointRefreshRequested}, keyed by model
 * @param checkpointEvents progress, ready and failed, keyed by model
 * @param deadLetter      records that could not be read or processed, with the reason in headers
 */
public record Topics(
        String jobsSubmitted,
        String jobEvents,
        String jobControl,
        String checkpointRequests,
        String checkpointEvents,
        String deadLetter) {

    public static final String PREFIX = "vlmesh.";

    /** Production names. */
    public static Topics standard() {
        return withNamespace("");
    }

    public static Topics withNamespace(String namespace) {
        String s = namespace == null || namespace.isBlank() ? "" : "." + namespace;
        return new Topics(
                PREFIX + "jobs.submitted" + s,
                PREFIX + "jobs.events" + s,
                PREFIX + "jobs.control" + s,
                PREFIX + "checkpoints.requests" + s,
                PREFIX + "checkpoints.events" + s,
                PREFIX + "deadletter" + s);
    }

    /** A topic and how many partitions it is created with. */
    public record Spec(String name, int partitions) {
    }

    /**
     * Partition counts: job topics are spread for parallel workers and readers; control and checkpoint topics are
     * small and ordered.
     */
    public List<Spec> specs() {
        return List.of(
                new Spec(jobsSubmitted, 6),
                new Spec(jobEvents, 6),
                new Spec(jobControl, 1),
                new Spec(checkpointRequests, 3),
                new Spec(checkpointEvents, 3),
                new Spec(deadLetter, 1));
    }
}
