package dev.vlmesh.engine.convert;

import java.util.ArrayList;
import java.util.List;

/**
 * How MindSpeed-MM divides a tensor over tensor-parallel ranks ({@code mm-convert}'s split operators), and how the
 * shards go back together. {@code heads} is only used by the head-aligned ViT splits, which give rank {@code r}
 * {@code H/tp} heads plus one more if {@code r < H % tp}.
 */
public record Split(Kind kind, int heads) {

    public enum Kind {
        /** Same tensor on every rank (norms, biases after a row-parallel layer, layer scales, embeddings of the ViT). */
        REPLICATED,
        /** Contiguous equal chunks of dim 0 ({@code RowSplit}). */
        ROWS,
        /** Contiguous equal chunks of dim 1 ({@code ColSplit}). */
        COLS,
        /** {@code [gate; up]}: rank r gets {@code [gate_r; up_r]} ({@code GLUSplit}). */
        GLU,
        /** Dim 0 in chunks of V/tp, the first V%tp ranks one row more ({@code UnalignedEmbeddingSplit}). */
        VOCAB,
        /** ViT {@code [Q;K;V]}: rank r gets its heads' rows of each of Q, K and V ({@code UnalignedRowSplit}). */
        HEAD_QKV,
        /** ViT attention output projection: rank r gets its heads' columns ({@code UnalignedColSplit}). */
        HEAD_COLS
    }

    public static final Split REPLICATED = new Split(Kind.REPLICATED, 0);
    public static final Split ROWS = new Split(Kind.ROWS, 0);
    public static final Split COLS = new Split(Kind.COLS, 0);
    public static final Split GLU = new Split(Kind.GLU, 0);
    public static final Split VOCAB = new Split(Kind.VOCAB, 0);

    public static Split headQkv(int heads) {
        return new Split(Kind.HEAD_QKV, heads);
    }

    public static Split headCols(int heads) {
        return new Split(Kind.HEAD_COLS, heads);
    }

    /** First unit (head or row) of rank r when {@code n} units are spread unevenly over {@code tp} ranks. */
    static long unalignedStart(long n, int r, int tp) {
        return r * (n / tp) + Math.min(r, n % tp);
    }

    static long unalignedCount(long n, int r, int tp) {
        return n / tp + (r < n % tp ? 1 : 0);
    }

    /** The part of {@code full} that rank {@code r} of {@code tp} holds. */
    public TensorData slice(TensorData full, int r, int tp) {
        if (tp == 1) {
            return full;
        }
        return switch (kind) {
            case REPLICATED -> full;
            case ROWS -> {
                long n = full.rows() / tp;
                yield full.rows(r * n, n);
            }
            case COLS -> {
                long n = full.shape()[1] / tp;
                yield full.cols(r * n, n);
            }
            case GLU -> {
                long half = full.rows() / 2;
                long n = half / tp;
                yield TensorData.concatRows(List.of(full.rows(r * n, n), full.rows(half + r * n, n)));
            }
            case VOCAB -> full.rows(unalignedStart(full.rows(), r, tp), unalignedCount(full.rows(), r, tp));
            case HEAD_QKV -> {
                long c = full.rows() / 3;
                long d = c / heads;
                long from = unalignedStart(heads, r, tp) * d;
                long count = unalignedCount(heads, r, tp) * d;
                yield TensorData.concatRows(List.of(full.rows(from, count), full.rows(c + from, count),
                        full.rows(2 * c + from, count)));
            }
            case HEAD_COLS -> {
                long d = full.shape()[1] / heads;
                yield full.cols(unalignedStart(heads, r, tp) * d, unalignedCount(heads, r, tp) * d);
            }
        };
    }

    /** The full tensor from the shards of every rank, in rank order (the inverse of {@link #slice}). */
    public TensorData merge(List<TensorData> shards) {
        if (shards.size() == 1 || kind == Kind.REPLICATED) {
            return shards.getFirst();
        }
        return switch (kind) {
            case REPLICATED -> shards.getFirst();
            case ROWS, VOCAB -> TensorData.concatRows(shards);
            case COLS, HEAD_COLS -> TensorData.concatCols(shards);
            case GLU -> {
                List<TensorData> gates = new ArrayList<>();
                List<TensorData> ups = new ArrayList<>();
                for (TensorData s : shards) {
                    long n = s.rows() / 2;
                    gates.add(s.rows(0, n));
                    ups.add(s.rows(n, n));
                }
                gates.addAll(ups);
                yield TensorData.concatRows(gates);
            }
            case HEAD_QKV -> {
                List<TensorData> parts = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    for (TensorData s : shards) {
                        long c = s.rows() / 3;
                        parts.add(s.rows(i * c, c));
                    }
                }
                yield TensorData.concatRows(parts);
            }
        };
    }

    /** Shape of rank r's part of a full tensor of {@code shape} (for checking shards before reading them). */
    public long[] sliceShape(long[] shape, int r, int tp) {
        long[] s = shape.clone();
        if (tp == 1) {
            return s;
        }
        switch (kind) {
            case REPLICATED -> {
            }
            case ROWS, GLU -> s[0] = shape[0] / tp;
            case COLS -> s[1] = shape[1] / tp;
            case VOCAB -> s[0] = unalignedCount(shape[0], r, tp);
            case HEAD_QKV -> s[0] = 3 * unalignedCount(heads, r, tp) * (shape[0] / 3 / heads);
            case HEAD_COLS -> s[1] = unalignedCount(heads, r, tp) * (shape[1] / heads);
        }
        return s;
    }

    @Override
    public String toString() {
        return heads == 0 ? kind.name() : kind.name() + "(" + heads + " heads)";
    }
}
