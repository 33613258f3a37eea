package dev.vlmesh.events;

import java.util.List;

/**
 * How a checkpoint is sharded, in MindSpeed-MM terms: tensor-parallel size and the per-stage layer counts of the
 * LLM and the ViT. The outer list holds virtual-pipeline chunks, the inner list one count per pipeline stage, e.g.
 * {@code [[6,8,8,6]]} and {@code [[24,0,0,0]]}.
 */
public record ParallelConfig(int tp, List<List<Integer>> llmPpLayers, List<List<Integer>> vitPpLayers) {

    public ParallelConfig {
        llmPpLayers = llmPpLayers == null ? List.of() : llmPpLayers.stream().map(List::copyOf).toList();
        vitPpLayers = vitPpLayers == null ? List.of() : vitPpLayers.stream().map(List::copyOf).toList();
    }

    public int pp() {
        return llmPpLayers.isEmpty() ? 1 : llmPpLayers.getFirst().size();
    }

    public int vpp() {
        return Math.max(1, llmPpLayers.size());
    }
}
