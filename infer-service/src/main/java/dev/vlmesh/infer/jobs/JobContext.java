package dev.vlmesh.infer.jobs;

import dev.vlmesh.events.DeadLetterRouter;
import dev.vlmesh.infer.backend.InferenceBackend;
import dev.vlmesh.infer.cancel.CancelRegistry;
import dev.vlmesh.infer.config.WorkerSettings;
import io.minio.MinioClient;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What every job attempt of a worker shares. {@code running} holds the task that owns each job id on this worker,
 * so a duplicate record of a job that is running here waits for it instead of running it twice.
 */
public record JobContext(
        WorkerSettings settings,
        EventPublisher publisher,
        DeadLetterRouter deadLetters,
        TerminalIndex index,
        CancelRegistry cancels,
        InferenceBackend backend,
        OffsetTracker tracker,
        BatchScheduler scheduler,
        WorkerMetrics metrics,
        MinioClient s3,
        ConcurrentMap<String, JobTask> running) {

    public JobContext {
        running = running == null ? new ConcurrentHashMap<>() : running;
    }
}
