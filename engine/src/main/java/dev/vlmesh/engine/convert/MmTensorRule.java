package dev.vlmesh.engine.convert;

import java.util.List;

/**
 * One tensor of the unsplit MindSpeed-MM state dict: its name (with the global layer number), where the pipeline
 * puts it, how it is made from canonical tensors and how it is split over tensor-parallel ranks.
 *
 * @param layer    global layer number for {@link Role#LAYER}, else -1
 * @param prefix   for layer tensors, the name up to the layer number (e.g. {@code text_decoder.decoder.layers.})
 * @param suffix   for layer tensors, the name after the layer number (e.g. {@code .mlp.linear_fc1.weight})
 * @param parts    canonical tensors it is made of, with the shapes the config requires
 */
public record MmTensorRule(String name, Modality modality, Role role, int layer, String prefix, String suffix,
                           Fusion fusion, Split split, List<CanonicalPart> parts) {

    public enum Modality {
        VISION("image_encoder."), TEXT("text_decoder.");

        private final String namePrefix;

        Modality(String namePrefix) {
            this.namePrefix = namePrefix;
        }

        public String namePrefix() {
            return namePrefix;
        }
    }

    /** Embeddings go to the modality's first stage, layers to their stage, heads and projector to its last. */
    public enum Role { FIRST, LAYER, LAST }

    /** A canonical tensor (the engine's naming: the transformers "-hf" layout) and its required shape. */
    public record CanonicalPart(String name, long[] shape) {
    }

    /** The name with the layer renumbered to {@code localLayer} (the stage-local index). */
    public String localName(int localLayer) {
        return role == Role.LAYER ? prefix + localLayer + suffix : name;
    }

    /** Shape of the full (unsplit) tensor. */
    public long[] fullShape() {
        long[] first = parts.getFirst().shape();
        return switch (fusion.kind()) {
            case NONE, TIE -> first.clone();
            case VIT_QKV, GLU, LLM_QKV -> {
                long[] s = first.clone();
                s[0] = parts.stream().mapToLong(p -> p.shape()[0]).sum();
                yield s;
            }
        };
    }
}
