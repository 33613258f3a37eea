package dev.vlmesh.engine.convert;

import static dev.vlmesh.engine.convert.TensorValues.concat;
import static dev.vlmesh.engine.convert.TensorValues.counting;
import static dev.vlmesh.engine.convert.TensorValues.range;
import static dev.vlmesh.engine.convert.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fusions and tensor-parallel splits against values worked out by hand from mindspeed-mm.md §3. */
class SplitAndFusionTest {

    @Test
    void llmQkvIsInterleavedPerKvGroupForWeightsAndBiases() {
        // 4 query heads, 2 KV groups, head dim 1 (one row per head): per group [q q k v]
        TensorData q = TensorValues.of(new float[] {0, 1, 2, 3}, 4);
        TensorData k = TensorValues.of(new float[] {10, 11}, 2);
        TensorData v = TensorValues.of(new float[] {20, 21}, 2);
        Fusion f = Fusion.llmQkv(2, 2, 1);
        TensorData fused = f.fuse(List.of(q, k, v));
        assertArrayEquals(new float[] {0, 1, 10, 20, 2, 3, 11, 21}, values(fused));
        List<TensorData> back = f.unfuse(fused);
        assertArrayEquals(values(q), values(back.get(0)));
        assertArrayEquals(values(k), values(back.get(1)));
        assertArrayEquals(values(v), values(back.get(2)));
    }

    @Test
    void llmQkvWeightRowsCarryWholeRowsOfHeadDim() {
        // 2 q heads, 1 group, head dim 2, hidden 3: q rows 0-3, then k rows, then v rows
        TensorData q = counting(0, 4, 3);
        TensorData k = counting(100, 2, 3);
        TensorData v = counting(200, 2, 3);
        TensorData fused = Fusion.llmQkv(1, 4, 2).fuse(List.of(q, k, v));
        assertArrayEquals(concat(range(0, 12), range(100, 6), range(200, 6)), values(fused));
    }

    @Test
    void gluFuseIsGateThenUpAndGluSplitGivesEachRankItsGateAndUp() {
        TensorData gate = counting(0, 4, 2);
        TensorData up = counting(100, 4, 2);
        TensorData fc1 = Fusion.GLU.fuse(List.of(gate, up));
        assertArrayEquals(concat(range(0, 8), range(100, 8)), values(fc1));
        assertArrayEquals(concat(range(0, 4), range(100, 4)), values(Split.GLU.slice(fc1, 0, 2)));
        assertArrayEquals(concat(range(4, 4), range(104, 4)), values(Split.GLU.slice(fc1, 1, 2)));
    }

    @Test
    void rowAndColumnSplits() {
        TensorData m = counting(0, 4, 6);
        assertArrayEquals(range(12, 12), values(Split.ROWS.slice(m, 1, 2)));
        // columns 3..5 of each row
        assertArrayEquals(new float[] {3, 4, 5, 9, 10, 11, 15, 16, 17, 21, 22, 23}, values(Split.COLS.slice(m, 1, 2)));
    }

    @Test
    void vocabSplitGivesTheFirstRanksOneRowMore() {
        TensorData e = counting(0, 5, 1); // V = 5 over tp 2: rows 0-2 and 3-4
        assertArrayEquals(new float[] {0, 1, 2}, values(Split.VOCAB.slice(e, 0, 2)));
        assertArrayEquals(new float[] {3, 4}, values(Split.VOCAB.slice(e, 1, 2)));
        TensorData e3 = counting(0, 7, 1); // 7 over 3: 3, 2, 2
        assertArrayEquals(new float[] {0, 1, 2}, values(Split.VOCAB.slice(e3, 0, 3)));
        assertArrayEquals(new float[] {3, 4}, values(Split.VOCAB.slice(e3, 1, 3)));
        assertArrayEquals(new float[] {5, 6}, values(Split.VOCAB.slice(e3, 2, 3)));
    }

    @Test
    void vitQkvWithThreeHeadsOverTwoRanksSplitsByHeadInEachOfQkv() {
        // ViT [Q;K;V], 3 heads of dim 1, hidden 3 -> rows Q0 Q1 Q2 K0 K1 K2 V0 V1 V2 (bias: one value per row)
        TensorData qkv = TensorValues.of(new float[] {0, 1, 2, 10, 11, 12, 20, 21, 22}, 9);
        Split s = Split.headQkv(3);
        assertArrayEquals(new float[] {0, 1, 10, 11, 20, 21}, values(s.slice(qkv, 0, 2)));
        assertArrayEquals(new float[] {2, 12, 22}, values(s.slice(qkv, 1, 2)));
        // projection: columns by head (head dim 2): rank 0 gets columns 0-3, rank 1 columns 4-5
        TensorData proj = counting(0, 2, 6);
        Split c = Split.headCols(3);
        assertArrayEquals(new float[] {0, 1, 2, 3, 6, 7, 8, 9}, values(c.slice(proj, 0, 2)));
        assertArrayEquals(new float[] {4, 5, 10, 11}, values(c.slice(proj, 1, 2)));
    }

    @Test
    void everySplitMergesBackToTheSameBytes() {
        SplittableRandom rnd = new SplittableRandom(7);
        List<Object[]> cases = List.of(
                new Object[] {Split.ROWS, new long[] {12, 5}},
                new Object[] {Split.COLS, new long[] {5, 12}},
                new Object[] {Split.GLU, new long[] {24, 3}},
                new Object[] {Split.VOCAB, new long[] {13, 4}},
                new Object[] {Split.headQkv(5), new long[] {30, 4}},
                new Object[] {Split.headQkv(5), new long[] {30}},
                new Object[] {Split.headCols(5), new long[] {3, 10}},
                new Object[] {Split.REPLICATED, new long[] {7}});
        for (Object[] c : cases) {
            Split s = (Split) c[0];
            long[] shape = (long[]) c[1];
            TensorData full = counting(rnd.nextInt(1000), shape);
            for (int tp : new int[] {1, 2, 3}) {
                if ((s.kind() == Split.Kind.ROWS || s.kind() == Split.Kind.GLU) && shape[0] % (2L * tp) != 0
                        || s.kind() == Split.Kind.COLS && shape[1] % tp != 0) {
                    continue;
                }
                List<TensorData> shards = new ArrayList<>();
                for (int r = 0; r < tp; r++) {
                    TensorData part = s.slice(full, r, tp);
                    assertArrayEquals(s.sliceShape(shape, r, tp), part.shape(), s + " rank " + r + " of " + tp);
                    shards.add(part);
                }
                assertArrayEquals(values(full), values(s.merge(shards)), s + " over " + tp);
            }
        }
    }
}
