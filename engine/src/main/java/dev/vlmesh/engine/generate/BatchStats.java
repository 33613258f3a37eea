package dev.vlmesh.engine.generate;

/**
 * What a shared batching loop has done: {@code passes} batched calls (decode forward passes, vision encode calls)
 * that served {@code items} in all (sequence-tokens, image requests), so {@code items / passes} is the average batch.
 */
public record BatchStats(long passes, long items) {
    public static final BatchStats NONE = new BatchStats(0, 0);

    public double averageBatch() {
        return passes == 0 ? 0 : (double) items / passes;
    }
}
