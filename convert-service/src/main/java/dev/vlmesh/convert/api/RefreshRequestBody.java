package dev.vlmesh.convert.api;

import dev.vlmesh.events.ParallelConfig;

/**
 * {@code POST /v1/checkpoints}: the fields of a {@code CheckpointRefreshRequested} record. Only {@code modelName} is
 * required; the source defaults to {@code sources/{modelName}/} in the checkpoint bucket, the format to
 * {@code safetensors} ({@code torch} also writes {@code model_optim_rng.pt}), the parallel config to none.
 */
public record RefreshRequestBody(String modelName, String sourceBucket, String sourcePrefix, ParallelConfig parallel,
                                 String outputFormat) {
}
