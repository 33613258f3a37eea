package dev.vlmesh.engine.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final int V = 1000;

    private static float[] logits(long seed) {
        Random r = new Random(seed);
        float[] l = new float[V];
        for (int i = 0; i < V; i++) {
            l[i] = (float) r.nextGaussian() * 3;
        }
        return l;
    }

    @Test
    void greedyPicksTheFirstMaximum() {
        float[] l = new float[V];
        l[10] = 5;
        l[20] = 5;
        Sampler s = new Sampler(V, GenerationOptions.greedy(1), 0);
        assertEquals(10, s.next(l, 0, V));
    }

    @Test
    void repetitionPenaltyFollowsTransformers() {
        float[] l = new float[V];
        l[1] = 2f;
        l[2] = 1.9f;
        l[3] = -1f;
        GenerationOptions o = GenerationOptions.greedy(1).withRepetitionPenalty(2.0);
        Sampler s = new Sampler(V, o, 0);
        s.observe(1);
        s.observe(3);
        assertEquals(2, s.next(l, 0, V));
        assertEquals(1f, l[1]);
        assertEquals(-2f, l[3]);
    }

    @Test
    void sameSeedSameTokensDifferentSeedDifferentTokens() {
        GenerationOptions o = GenerationOptions.sampling(1, 1.0, 0.9, 42L).withTopK(50);
        int[] a = draw(o, 42, 200);
        int[] b = draw(o, 42, 200);
        int[] c = draw(o, 43, 200);
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        assertTrue(!java.util.Arrays.equals(a, c));
    }

    @Test
    void topKOneAndTinyTopPAreGreedy() {
        for (GenerationOptions o : new GenerationOptions[] {
                GenerationOptions.sampling(1, 1.5, 1.0, 1L).withTopK(1),
                GenerationOptions.sampling(1, 0.7, 1e-6, 1L)}) {
            for (long seed = 0; seed < 20; seed++) {
                float[] l = logits(seed);
                int argmax = 0;
                for (int i = 1; i < V; i++) {
                    if (l[i] > l[argmax]) {
                        argmax = i;
                    }
                }
                assertEquals(argmax, new Sampler(V, o, seed).next(l, 0, V));
            }
        }
    }

    @Test
    void topKAndTopPLimitTheCandidates() {
        float[] base = logits(99);
        // the 5 largest logits
        Integer[] order = new Integer[V];
        for (int i = 0; i < V; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Float.compare(base[y], base[x]));
        Set<Integer> top5 = new HashSet<>(java.util.List.of(order).subList(0, 5));
        Sampler s = new Sampler(V, GenerationOptions.sampling(1, 1.0, 1.0, 5L).withTopK(5), 5);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            seen.add(s.next(base.clone(), 0, V));
        }
        assertEquals(top5, seen);
        // top-p over a distribution with one dominant token keeps only that token
        float[] peaked = new float[V];
        peaked[7] = 20f;
        peaked[8] = 10f;
        Sampler p = new Sampler(V, GenerationOptions.sampling(1, 1.0, 0.9, 1L), 1);
        for (int i = 0; i < 200; i++) {
            assertEquals(7, p.next(peaked.clone(), 0, V));
        }
    }

    @Test
    void selectFindsOrderStatistics() {
        Random r = new Random(1);
        for (int n : new int[] {1, 2, 5, 100, 1001}) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = r.nextInt(20);
            }
            float[] sorted = a.clone();
            java.util.Arrays.sort(sorted);
            for (int k = 0; k < n; k += Math.max(1, n / 7)) {
                assertEquals(sorted[k], Sampler.select(a.clone(), n, k));
            }
        }
    }

    private static int[] draw(GenerationOptions o, long seed, int n) {
        Sampler s = new Sampler(V, o, seed);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.next(logits(i), 0, V);
        }
        return out;
    }
}
