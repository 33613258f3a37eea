package dev.vlmesh.engine.llm;

import dev.vlmesh.engine.checkpoint.TextConfig;
import dev.vlmesh.engine.kernel.AttentionBlock;

/**
 * Keys and values of one sequence for every layer, float32. Keys are stored transposed per KV head
 * ({@code [kvHead][headDim][capacity]}) so attention scores run along positions with full vectors; values are
 * row-major ({@code [kvHead][capacity][headDim]}). The capacity is fixed at creation (prompt + new tokens).
 */
public final class KvCache {
    final int capacity;
    final int stride;
    final float[][] keys;
    final float[][] values;
    /** Positions [0, length) hold valid entries. */
    int length;
    /** RoPE inverse frequencies for this sequence when dynamic NTK scaling is active, else null. */
    float[] scaledInvFreq;
    int scaledForLength;

    public KvCache(TextConfig c, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
        this.stride = AttentionBlock.paddedKeys(capacity);
        long perLayer = (long) c.kvHeads() * c.headDim() * stride;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("KV cache of " + capacity + " positions is too large per layer");
        }
        keys = new float[c.layers()][(int) perLayer];
        values = new float[c.layers()][(int) perLayer];
    }

    public int capacity() {
        return capacity;
    }

    /** Number of positions written. */
    public int length() {
        return length;
    }

    /** Forgets positions ≥ {@code length} (they will be overwritten). */
    public void truncate(int length) {
        if (length < 0 || length > this.length) {
            throw new IllegalArgumentException("cannot truncate " + this.length + " positions to " + length);
        }
        this.length = length;
    }

    /** Bytes held. */
    public long byteSize() {
        return 8L * keys.length * keys[0].length;
    }
}
