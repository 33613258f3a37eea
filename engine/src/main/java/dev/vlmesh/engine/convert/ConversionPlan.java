package dev.vlmesh.engine.convert;

import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.convert.ConversionException.Reason;
import dev.vlmesh.engine.convert.MmTensorRule.CanonicalPart;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every shard of a MindSpeed-MM checkpoint with every tensor it holds, as views over the source: nothing is read
 * until the plan is written. Shards are grouped by pipeline rank; the shards of one group list the same tensor names
 * in the same order, so all tensor-parallel ranks of a stage are written in one pass over the source.
 */
public record ConversionPlan(ModelConfig config, ParallelSpec spec, List<Stage> stages) {

    /** One tensor of a shard, under the name it is stored with. */
    public record PlannedTensor(String name, TensorData data) {
    }

    public record Shard(String dir, int tpRank, int ppRank, List<PlannedTensor> tensors) {
        public long dataBytes() {
            return tensors.stream().mapToLong(t -> t.data().byteSize()).sum();
        }
    }

    /** All tensor-parallel shards of one pipeline rank. */
    public record Stage(int ppRank, List<Shard> shards) {
        public long dataBytes() {
            return shards.stream().mapToLong(Shard::dataBytes).sum();
        }
    }

    /** Where the canonical tensors come from. */
    @FunctionalInterface
    public interface Source {
        TensorData require(String canonicalName, long[] shape) throws ConversionException;
    }

    public List<Shard> shards() {
        return stages.stream().flatMap(s -> s.shards().stream()).toList();
    }

    public long dataBytes() {
        return stages.stream().mapToLong(Stage::dataBytes).sum();
    }

    /** The plan of {@code source} under {@code spec}; validates the config first. */
    public static ConversionPlan of(ModelConfig config, ParallelSpec spec, Source source) throws ConversionException {
        spec.validate(config);
        int tp = spec.tp();
        int pp = spec.pp();
        int vpp = spec.vpp();
        PipelineLayout layout = new PipelineLayout(spec);
        List<List<List<PlannedTensor>>> perStage = new ArrayList<>(); // [pp][tp] -> tensors
        for (int p = 0; p < pp; p++) {
            List<List<PlannedTensor>> ranks = new ArrayList<>();
            for (int r = 0; r < tp; r++) {
                ranks.add(new ArrayList<>());
            }
            perStage.add(ranks);
        }
        // chunk-major order inside each shard: model0's tensors, then model1's, ...
        List<List<Placed>> byChunk = new ArrayList<>();
        for (int v = 0; v < vpp; v++) {
            byChunk.add(new ArrayList<>());
        }
        for (MmTensorRule rule : MindSpeedRules.of(config, spec)) {
            PipelineLayout.Placement at = layout.place(rule);
            byChunk.get(at.chunk()).add(new Placed(rule, at, fuse(rule, source)));
        }
        for (List<Placed> chunk : byChunk) {
            for (Placed pl : chunk) {
                String stored = PipelineLayout.storedName(pl.at.localName(), pl.at.chunk(), vpp);
                for (int r = 0; r < tp; r++) {
                    perStage.get(pl.at.ppRank()).get(r).add(new PlannedTensor(stored, pl.rule.split().slice(pl.full, r,
                            tp)));
                }
            }
        }
        List<Stage> stages = new ArrayList<>();
        for (int p = 0; p < pp; p++) {
            List<Shard> shards = new ArrayList<>();
            for (int r = 0; r < tp; r++) {
                shards.add(new Shard(PipelineLayout.shardDir(r, p, pp), r, p, List.copyOf(perStage.get(p).get(r))));
            }
            stages.add(new Stage(p, List.copyOf(shards)));
        }
        return new ConversionPlan(config, spec, List.copyOf(stages));
    }

    /** The plan of a source checkpoint, refusing tensors the model does not use (a sign of another architecture). */
    public static ConversionPlan of(SourceCheckpoint src, ParallelSpec spec) throws ConversionException {
        Set<String> used = new HashSet<>();
        ConversionPlan plan = of(src.config(), spec, (name, shape) -> {
            used.add(name);
            return src.require(name, shape);
        });
        Set<String> unused = new TreeSet<>(src.canonical().keySet());
        unused.removeAll(used);
        if (!unused.isEmpty()) {
            String first = unused.iterator().next();
            throw new ConversionException(Reason.UNSUPPORTED_ARCHITECTURE, unused.size() + " tensor(s) of "
                    + src.dir() + " have no place in an InternVL3 model of this config, e.g. " + src.origin(first)
                    + " (a different architecture, or config.json does not match the weights)");
        }
        return plan;
    }

    private record Placed(MmTensorRule rule, PipelineLayout.Placement at, TensorData full) {
    }

    private static TensorData fuse(MmTensorRule rule, Source source) throws ConversionException {
        List<TensorData> parts = new ArrayList<>();
        for (CanonicalPart p : rule.parts()) {
            parts.add(source.require(p.name(), p.shape()));
        }
        String dtype = parts.getFirst().dtype();
        for (int i = 1; i < parts.size(); i++) {
            if (!parts.get(i).dtype().equals(dtype)) {
                throw new ConversionException(Reason.SHAPE_MISMATCH, rule.name() + " fuses " + rule.parts().getFirst()
                        .name() + " (" + dtype + ") with " + rule.parts().get(i).name() + " ("
                        + parts.get(i).dtype() + "); fused tensors must share a dtype");
            }
        }
        return rule.fusion().fuse(parts);
    }
}
