package dev.vlmesh.convert.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.vlmesh.events.ParallelConfig;
import java.time.Instant;

/**
 * What is known about one conversion: queued, running (phase and progress), ready (the version) or failed (a stable
 * code and a reason an operator can act on).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConversionStatus(
        String conversionId,
        String modelName,
        State state,
        String phase,
        int shardsDone,
        int shardsTotal,
        long bytesDone,
        long bytesTotal,
        String version,
        String bucket,
        String manifestKey,
        String sourceDigest,
        String code,
        String reason,
        String sourceBucket,
        String sourcePrefix,
        ParallelConfig parallel,
        String outputFormat,
        Instant requestedAt,
        Instant updatedAt) {

    public enum State {
        QUEUED, RUNNING, READY, FAILED;

        public boolean terminal() {
            return this == READY || this == FAILED;
        }
    }
}
