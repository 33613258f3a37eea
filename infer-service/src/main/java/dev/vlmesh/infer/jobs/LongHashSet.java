package dev.vlmesh.infer.jobs;

/**
 * An open-addressing set of longs (no boxing): the terminal index keeps one 64-bit hash per finished job, 8 bytes
 * instead of a String and a map node. Not thread-safe; the owner locks.
 */
final class LongHashSet {

    private static final long EMPTY = 0;

    private long[] slots = new long[1024];
    private int size;
    private boolean hasZero;

    boolean add(long v) {
        if (v == EMPTY) {
            boolean added = !hasZero;
            hasZero = true;
            return added;
        }
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        return insert(slots, v);
    }

    boolean contains(long v) {
        if (v == EMPTY) {
            return hasZero;
        }
        int mask = slots.length - 1;
        for (int i = mix(v) & mask; ; i = (i + 1) & mask) {
            long s = slots[i];
            if (s == EMPTY) {
                return false;
            }
            if (s == v) {
                return true;
            }
        }
    }

    int size() {
        return size + (hasZero ? 1 : 0);
    }

    private boolean insert(long[] table, long v) {
        int mask = table.length - 1;
        for (int i = mix(v) & mask; ; i = (i + 1) & mask) {
            long s = table[i];
            if (s == EMPTY) {
                table[i] = v;
                if (table == slots) {
                    size++;
                }
                return true;
            }
            if (s == v) {
                return false;
            }
        }
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        for (long v : old) {
            if (v != EMPTY) {
                insert(slots, v);
            }
        }
    }

    private static int mix(long v) {
        long h = v * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
