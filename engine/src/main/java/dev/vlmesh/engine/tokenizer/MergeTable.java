package dev.vlmesh.engine.tokenizer;

import java.util.Arrays;

/** Open-addressing map from a token-id pair to (merge rank, merged id), packed in longs. */
final class MergeTable {
    private static final long EMPTY = -1L;
    private final long[] keys;
    private final long[] values;
    private final int mask;

    MergeTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
        Arrays.fill(keys, EMPTY);
        mask = cap - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32) & mask;
    }

    /** Records a merge; a later line for the same pair replaces an earlier one, as the reference's map does. */
    void put(int left, int right, int rank, int mergedId) {
        long k = key(left, right);
        int s = slot(k, mask);
        while (keys[s] != EMPTY && keys[s] != k) {
            s = (s + 1) & mask;
        }
        keys[s] = k;
        values[s] = ((long) rank << 32) | (mergedId & 0xFFFFFFFFL);
    }

    /** (rank << 32 | mergedId), or -1 when the pair does not merge. */
    long get(int left, int right) {
        long k = key(left, right);
        int s = slot(k, mask);
        while (true) {
            long stored = keys[s];
            if (stored == k) {
                return values[s];
            }
            if (stored == EMPTY) {
                return -1L;
            }
            s = (s + 1) & mask;
        }
    }
}
