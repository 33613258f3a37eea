package dev.vlmesh.infer.jobs;

import dev.vlmesh.events.DeadLetterRouter;
import dev.vlmesh.infer.backend.InferenceBackend;
import dev.vlmesh.infer.cancel.CancelRegistry;
import dev.vlmesh.infer.config.WorkerSettings;
import io.minio.MinioClient;

/** What every job attempt of a worker shares. */
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
        MinioClient s3) {
}
