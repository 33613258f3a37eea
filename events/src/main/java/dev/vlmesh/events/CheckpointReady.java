package dev.vlmesh.events;

import java.time.Instant;

/**
 * A verified version of a model is in the store. Workers load it beside the running one and switch new jobs to it.
 *
 * @param layout       {@code mindspeed-mm}
 * @param sourceDigest digest of the source checkpoint; the same digest and parallel config give the same version
 */
public record CheckpointReady(
        int schemaVersion,
        String eventId,
        Instant time,
        String conversionId,
        String modelName,
        String version,
        String bucket,
        String manifestKey,
        String layout,
        ParallelConfig parallel,
        String sourceDigest) implements CheckpointEvent {

    public static CheckpointReady of(String conversionId, String modelName, String version, String bucket,
                                     String manifestKey, String layout, ParallelConfig parallel, String sourceDigest) {
        return new CheckpointReady(CURRENT_SCHEMA_VERSION, Ids.newEventId(), Instant.now(), conversionId, modelName,
                version, bucket, manifestKey, layout, parallel, sourceDigest);
    }
}
