package dev.vlmesh.events;

import java.time.Instant;

/** A conversion is under way: which phase, and how far in shards and bytes. */
public record ConversionProgress(
        int schemaVersion,
        String eventId,
        Instant time,
        String conversionId,
        String modelName,
        String phase,
        int shardsDone,
        int shardsTotal,
        long bytesDone,
        long bytesTotal) implements CheckpointEvent {

    public static ConversionProgress of(String conversionId, String modelName, String phase, int shardsDone,
                                        int shardsTotal, long bytesDone, long bytesTotal) {
        return new ConversionProgress(CURRENT_SCHEMA_VERSION, Ids.newEventId(), Instant.now(), conversionId,
                modelName, phase, shardsDone, shardsTotal, bytesDone, bytesTotal);
    }
}
