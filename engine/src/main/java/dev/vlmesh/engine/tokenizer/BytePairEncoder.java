package dev.vlmesh.engine.tokenizer;

import java.util.Arrays;

/**
 * Byte-pair encoding of one pre-token by merge rank. The lowest-ranked adjacent pair merges first, ties going to
 * the leftmost pair, using a binary heap over (rank, position) and a linked list of symbols, so a 30 000-byte run of
 * CJK text costs O(n log n) rather than O(n²). Not thread-safe: each thread uses its own instance.
 */
final class BytePairEncoder {
    private final MergeTable merges;
    private int[] ids = new int[64];
    private int[] prev = new int[64];
    private int[] next = new int[64];
    private long[] heap = new long[64];
    private int heapSize;

    BytePairEncoder(MergeTable merges) {
        this.merges = merges;
    }

    /** Merges the initial symbol ids {@code symbols[0, n)} and returns the final ids. */
    int[] encode(int[] symbols, int n) {
        if (n == 1) {
            return new int[] {symbols[0]};
        }
        ensure(n);
        for (int i = 0; i < n; i++) {
            ids[i] = symbols[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        heapSize = 0;
        for (int i = 0; i + 1 < n; i++) {
            push(i);
        }
        int alive = n;
        while (heapSize > 0) {
            long top = pop();
            int pos = (int) top;
            int rank = (int) (top >>> 32);
            if (ids[pos] < 0 || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            long m = merges.get(ids[pos], ids[right]);
            if (m < 0 || (int) (m >>> 32) != rank) {
                continue;
            }
            ids[pos] = (int) m;
            ids[right] = -1;
            int after = next[right];
            next[pos] = after;
            if (after >= 0) {
                prev[after] = pos;
            }
            alive--;
            if (prev[pos] >= 0) {
                push(prev[pos]);
            }
            if (after >= 0) {
                push(pos);
            }
        }
        int[] out = new int[alive];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            out[k++] = ids[i];
        }
        return out;
    }

    private void ensure(int n) {
        if (ids.length < n) {
            int cap = Math.max(n, ids.length * 2);
            ids = new int[cap];
            prev = new int[cap];
            next = new int[cap];
        }
        if (heap.length < n * 2) {
            heap = new long[Math.max(n * 2, heap.length * 2)];
        }
    }

    /** Queues the pair starting at symbol {@code pos} when it has a merge. */
    private void push(int pos) {
        int right = next[pos];
        long m = merges.get(ids[pos], ids[right]);
        if (m < 0) {
            return;
        }
        long entry = (m & 0xFFFFFFFF00000000L) | pos;
        if (heapSize == heap.length) {
            heap = Arrays.copyOf(heap, heap.length * 2);
        }
        int i = heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= entry) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = entry;
    }

    private long pop() {
        long top = heap[0];
        long last = heap[--heapSize];
        int i = 0;
        int half = heapSize >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            if (child + 1 < heapSize && heap[child + 1] < heap[child]) {
                child++;
            }
            if (last <= heap[child]) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = last;
        return top;
    }
}
