package dev.vlmesh.events;

/** Where a job's time went, in milliseconds. */
public record Timings(
        long queueMs,
        long fetchMs,
        long preprocessMs,
        long visionMs,
        long prefillMs,
        long decodeMs,
        long timeToFirstTokenMs,
        long totalMs) {
}
