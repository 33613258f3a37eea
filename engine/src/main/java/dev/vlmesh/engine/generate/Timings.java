package dev.vlmesh.engine.generate;

/**
 * Wall-clock time of each stage of one generation, in nanoseconds: decoding and tiling images plus prompt
 * tokenisation, the vision encoder and projector, the prompt prefill (up to the first token's logits), and the
 * decode loop (first sampled token to the end).
 */
public record Timings(long preprocessNanos, long visionNanos, long prefillNanos, long decodeNanos) {

    public double preprocessMillis() {
        return preprocessNanos / 1e6;
    }

    public double visionMillis() {
        return visionNanos / 1e6;
    }

    public double prefillMillis() {
        return prefillNanos / 1e6;
    }

    public double decodeMillis() {
        return decodeNanos / 1e6;
    }
}
