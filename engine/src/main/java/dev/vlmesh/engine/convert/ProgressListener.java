package dev.vlmesh.engine.convert;

/** Told how far a conversion is; called from the converting thread, so it must return quickly. */
@FunctionalInterface
public interface ProgressListener {

    /** @param phase {@code planning}, {@code hashing}, {@code writing}, {@code finishing} or {@code done} */
    void update(String phase, int shardsDone, int shardsTotal, long bytesDone, long bytesTotal);

    ProgressListener NONE = (phase, sd, st, bd, bt) -> {
    };
}
