package dev.vlmesh.engine.convert;

import java.util.ArrayList;
import java.util.List;

/** How several canonical (transformers-layout) tensors become one MindSpeed-MM tensor, and back. */
public record Fusion(Kind kind, int groups, long qRowsPerGroup, long kvRowsPerGroup) {

    public enum Kind {
        /** One canonical tensor, unchanged. */
        NONE,
        /** ViT {@code linear_qkv = [Q; K; V]} (InternViT's own order, kept as is). */
        VIT_QKV,
        /** LLM {@code linear_qkv}: per KV group, that group's Q rows, then its K rows, then its V rows. */
        LLM_QKV,
        /** LLM {@code linear_fc1 = [gate; up]}. */
        GLU,
        /** {@code output_layer} copied from the word embeddings (tied embeddings split over pipeline stages). */
        TIE
    }

    public static final Fusion NONE = new Fusion(Kind.NONE, 0, 0, 0);
    public static final Fusion VIT_QKV = new Fusion(Kind.VIT_QKV, 0, 0, 0);
    public static final Fusion GLU = new Fusion(Kind.GLU, 0, 0, 0);
    public static final Fusion TIE = new Fusion(Kind.TIE, 0, 0, 0);

    /**
     * @param groups     KV heads
     * @param qPerGroup  rows of Q per group: (heads / kv heads) × head dim (1 row per element for a bias)
     * @param kvPerGroup rows of K (and of V) per group: head dim
     */
    public static Fusion llmQkv(int groups, long qPerGroup, long kvPerGroup) {
        return new Fusion(Kind.LLM_QKV, groups, qPerGroup, kvPerGroup);
    }

    public TensorData fuse(List<TensorData> parts) {
        return switch (kind) {
            case NONE, TIE -> parts.getFirst();
            case VIT_QKV, GLU -> TensorData.concatRows(parts);
            case LLM_QKV -> {
                TensorData q = parts.get(0);
                TensorData k = parts.get(1);
                TensorData v = parts.get(2);
                List<TensorData> rows = new ArrayList<>(3 * groups);
                for (int g = 0; g < groups; g++) {
                    rows.add(q.rows(g * qRowsPerGroup, qRowsPerGroup));
                    rows.add(k.rows(g * kvRowsPerGroup, kvRowsPerGroup));
                    rows.add(v.rows(g * kvRowsPerGroup, kvRowsPerGroup));
                }
                yield TensorData.concatRows(rows);
            }
        };
    }

    /** The canonical parts of a fused tensor (empty for {@link Kind#TIE}: the embedding is stored elsewhere). */
    public List<TensorData> unfuse(TensorData full) {
        return switch (kind) {
            case NONE -> List.of(full);
            case TIE -> List.of();
            case VIT_QKV -> {
                long n = full.rows() / 3;
                yield List.of(full.rows(0, n), full.rows(n, n), full.rows(2 * n, n));
            }
            case GLU -> {
                long n = full.rows() / 2;
                yield List.of(full.rows(0, n), full.rows(n, n));
            }
            case LLM_QKV -> {
                long stride = qRowsPerGroup + 2 * kvRowsPerGroup;
                List<TensorData> q = new ArrayList<>();
                List<TensorData> k = new ArrayList<>();
                List<TensorData> v = new ArrayList<>();
                for (int g = 0; g < groups; g++) {
                    q.add(full.rows(g * stride, qRowsPerGroup));
                    k.add(full.rows(g * stride + qRowsPerGroup, kvRowsPerGroup));
                    v.add(full.rows(g * stride + qRowsPerGroup + kvRowsPerGroup, kvRowsPerGroup));
                }
                yield List.of(TensorData.concatRows(q), TensorData.concatRows(k), TensorData.concatRows(v));
            }
        };
    }
}
