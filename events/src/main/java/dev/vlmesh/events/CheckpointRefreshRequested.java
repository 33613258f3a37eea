package dev.vlmesh.events;

import java.time.Instant;

/**
 * An operator asks for a HuggingFace checkpoint under {@code sourceBucket/sourcePrefix} to be converted and
 * announced as a new version of {@code modelName}.
 *
 * @param outputFormat {@code safetensors}, or {@code torch} to also write MindSpeed-MM's {@code model_optim_rng.pt}
 */
public record CheckpointRefreshRequested(
        int schemaVersion,
        String eventId,
        Instant time,
        String conversionId,
        String modelName,
        String sourceBucket,
        String sourcePrefix,
        ParallelConfig parallel,
        String outputFormat) implements CheckpointEvent {

    public static CheckpointRefreshRequested of(String conversionId, String modelName, String sourceBucket,
                                                String sourcePrefix, ParallelConfig parallel, String outputFormat) {
        return new CheckpointRefreshRequested(CURRENT_SCHEMA_VERSION, Ids.newEventId(), Instant.now(), conversionId,
                modelName, sourceBucket, sourcePrefix, parallel, outputFormat);
    }
}
