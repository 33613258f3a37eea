package dev.vlmesh.convert.state;

import dev.vlmesh.events.ParallelConfig;
import java.time.Instant;

/** A converted, complete version of a model in the store (its manifest exists). */
public record VersionInfo(String modelName, String version, String bucket, String manifestKey, String layout,
                          ParallelConfig parallel, String outputFormat, String sourceDigest, String conversionId,
                          Instant createdAt) {
}
