package dev.vlmesh.engine.convert;

import dev.vlmesh.engine.convert.MmTensorRule.Modality;

/**
 * Where MindSpeed-MM's pipeline puts each tensor, by {@code mm-convert}'s original {@code partition_state_dict_by_pp}
 * (the semantics before commit {@code db3f3783}): layers go to the stage whose range holds them and are renumbered
 * from 0 there; a modality's embeddings go to its first stage with layers and its final norm, output layer or
 * projector to its last stage with layers — also when the first stages hold zero layers.
 */
public final class PipelineLayout {

    /** Flat stage {@code chunk·pp + ppRank}; {@code localName} has the stage-local layer number. */
    public record Placement(int ppRank, int chunk, String localName) {
    }

    private final ParallelSpec spec;
    private final Stages llm;
    private final Stages vit;

    public PipelineLayout(ParallelSpec spec) {
        this.spec = spec;
        this.llm = new Stages(spec.flatLlm());
        this.vit = new Stages(spec.flatVit());
    }

    public Placement place(MmTensorRule r) {
        Stages s = r.modality() == Modality.TEXT ? llm : vit;
        int flat = switch (r.role()) {
            case FIRST -> s.first;
            case LAST -> s.last;
            case LAYER -> s.stageOf(r.layer());
        };
        int local = r.role() == MmTensorRule.Role.LAYER ? (int) (r.layer() - s.start[flat]) : -1;
        return new Placement(flat % spec.pp(), flat / spec.pp(), r.localName(local));
    }

    /** First global layer of a modality at a flat stage. */
    public long start(Modality m, int flatStage) {
        return (m == Modality.TEXT ? llm : vit).start[flatStage];
    }

    /** {@code mp_rank_TT} or, with more than one pipeline stage, {@code mp_rank_TT_PPP}. */
    public static String shardDir(int tpRank, int ppRank, int pp) {
        return pp > 1 ? String.format("mp_rank_%02d_%03d", tpRank, ppRank) : String.format("mp_rank_%02d", tpRank);
    }

    /**
     * The name of a tensor in a shard's safetensors file. With virtual pipelining each shard holds several model
     * chunks; as MindSpeed-MM's torch checkpoints keep them in {@code model0}, {@code model1}, … our safetensors
     * files prefix each name with {@code model<chunk>.}. Without virtual pipelining names are unprefixed.
     */
    public static String storedName(String localName, int chunk, int vpp) {
        return vpp > 1 ? "model" + chunk + "." + localName : localName;
    }

    private static final class Stages {
        final int[] counts;
        final long[] start;
        final int first;
        final int last;

        Stages(int[] counts) {
            this.counts = counts;
            this.start = new long[counts.length];
            int f = -1;
            int l = -1;
            long sum = 0;
            for (int i = 0; i < counts.length; i++) {
                start[i] = sum;
                sum += counts[i];
                if (counts[i] > 0) {
                    if (f < 0) {
                        f = i;
                    }
                    l = i;
                }
            }
            this.first = Math.max(f, 0);
            this.last = Math.max(l, 0);
        }

        int stageOf(int layer) {
            for (int i = 0; i < counts.length; i++) {
                if (layer >= start[i] && layer < start[i] + counts[i]) {
                    return i;
                }
            }
            throw new IllegalArgumentException("layer " + layer + " is in no stage");
        }
    }
}
