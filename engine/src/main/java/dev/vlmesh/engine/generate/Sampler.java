package dev.vlmesh.engine.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits with transformers' semantics: repetition penalty over every token seen so far
 * (prompt included; {@code x<0 ? x·p : x/p}), then — when sampling — temperature, top-k (keep values ≥ the k-th
 * largest), top-p (drop the least likely tokens whose cumulative probability stays ≤ 1 − p, keeping at least one),
 * softmax and a draw from a {@link SplittableRandom} seeded per generation. Greedy picks the first maximum.
 * Scratch arrays are allocated once per generation.
 */
final class Sampler {
    /** Candidates beyond this many are pre-filtered before the top-p sort. */
    private static final int SORT_LIMIT = 4096;

    private final GenerationOptions o;
    private final SplittableRandom random;
    private final boolean[] seen;
    private final int[] seenIds;
    private int seenCount;
    private final float[] scratch;
    private final int[] candidates;
    private final float[] probs;
    private final long[] order;

    Sampler(int vocab, GenerationOptions options, long seed) {
        this.o = options;
        this.random = new SplittableRandom(seed);
        boolean penalty = options.repetitionPenalty() != 1.0;
        seen = penalty ? new boolean[vocab] : null;
        seenIds = penalty ? new int[vocab] : null;
        boolean sampling = !options.greedyDecoding();
        scratch = sampling ? new float[vocab] : null;
        candidates = sampling ? new int[vocab] : null;
        probs = sampling ? new float[vocab] : null;
        order = sampling ? new long[vocab] : null;
    }

    /** Records a prompt or generated token for the repetition penalty. */
    void observe(int token) {
        if (seen != null && token >= 0 && token < seen.length && !seen[token]) {
            seen[token] = true;
            seenIds[seenCount++] = token;
        }
    }

    /** The next token; {@code logits[off, off + vocab)} is modified. */
    int next(float[] logits, int off, int vocab) {
        if (seen != null) {
            float p = (float) o.repetitionPenalty();
            for (int i = 0; i < seenCount; i++) {
                int j = off + seenIds[i];
                float x = logits[j];
                logits[j] = x < 0 ? x * p : x / p;
            }
        }
        if (o.greedyDecoding()) {
            int best = 0;
            float bestValue = logits[off];
            for (int i = 1; i < vocab; i++) {
                if (logits[off + i] > bestValue) {
                    bestValue = logits[off + i];
                    best = i;
                }
            }
            return best;
        }
        float t = (float) o.temperature();
        if (t != 1f) {
            for (int i = 0; i < vocab; i++) {
                logits[off + i] /= t;
            }
        }
        // top-k: keep every logit ≥ the k-th largest
        int n = 0;
        if (o.topK() > 0 && o.topK() < vocab) {
            System.arraycopy(logits, off, scratch, 0, vocab);
            float kth = select(scratch, vocab, vocab - o.topK());
            for (int i = 0; i < vocab; i++) {
                if (logits[off + i] >= kth) {
                    candidates[n++] = i;
                }
            }
        } else {
            for (int i = 0; i < vocab; i++) {
                if (logits[off + i] != Float.NEGATIVE_INFINITY) {
                    candidates[n++] = i;
                }
            }
        }
        // softmax over the candidates
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + candidates[i]]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(logits[off + candidates[i]] - max);
            probs[i] = e;
            sum += e;
        }
        for (int i = 0; i < n; i++) {
            probs[i] = (float) (probs[i] / sum);
        }
        if (o.topP() < 1.0) {
            n = nucleus(n);
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += probs[i];
        }
        double r = random.nextDouble() * total;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += probs[i];
            if (r < acc) {
                return candidates[i];
            }
        }
        return candidates[n - 1];
    }

    /** Keeps the top-p nucleus of (candidates, probs), compacted to the front; returns its size. */
    private int nucleus(int n) {
        double dropLimit = 1.0 - o.topP();
        double dropped = 0;
        int m = 0;
        if (n > SORT_LIMIT) {
            System.arraycopy(probs, 0, scratch, 0, n);
            float threshold = select(scratch, n, n - SORT_LIMIT);
            double below = 0;
            for (int i = 0; i < n; i++) {
                if (probs[i] < threshold) {
                    below += probs[i];
                }
            }
            if (below <= dropLimit) {
                // every token under the threshold would be dropped anyway: sort only the rest
                dropped = below;
                for (int i = 0; i < n; i++) {
                    if (probs[i] >= threshold) {
                        order[m++] = key(probs[i], i);
                    }
                }
            }
        }
        if (m == 0) {
            for (int i = 0; i < n; i++) {
                order[i] = key(probs[i], i);
            }
            m = n;
        }
        Arrays.sort(order, 0, m);
        // ascending: drop while the cumulative probability stays within 1 - p, always keep the last (largest)
        double cumulative = dropped;
        int first = 0;
        while (first < m - 1) {
            float p = Float.intBitsToFloat((int) (order[first] >>> 32));
            if (cumulative + p > dropLimit) {
                break;
            }
            cumulative += p;
            first++;
        }
        int kept = 0;
        for (int i = first; i < m; i++) {
            int idx = (int) order[i];
            order[kept++] = ((long) Float.floatToRawIntBits(probs[idx]) << 32) | candidates[idx];
        }
        for (int i = 0; i < kept; i++) {
            candidates[i] = (int) order[i];
            probs[i] = Float.intBitsToFloat((int) (order[i] >>> 32));
        }
        return kept;
    }

    /** Sort key: non-negative float bits (ordered like the floats) high, index low. */
    private static long key(float p, int index) {
        return ((long) Float.floatToRawIntBits(p) << 32) | index;
    }

    /** The value that would be at position {@code k} if a[0, n) were sorted ascending (quickselect; permutes a). */
    static float select(float[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            float pivot = a[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    float tmp = a[i];
                    a[i] = a[j];
                    a[j] = tmp;
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return a[k];
            }
        }
        return a[k];
    }
}
