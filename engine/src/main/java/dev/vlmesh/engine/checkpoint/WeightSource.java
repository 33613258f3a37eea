package dev.vlmesh.engine.checkpoint;

import java.util.Optional;
import java.util.Set;

/**
 * Where model weights come from, by canonical name. Canonical names are those of the transformers "-hf" InternVL
 * layout with the {@code model.} prefix and separate q/k/v projections (for example
 * {@code model.vision_tower.encoder.layer.0.attention.q_proj.weight}, {@code model.language_model.layers.0.mlp.up_proj.weight},
 * {@code lm_head.weight}); shapes are those of that layout. Implementations map their own naming onto it and may
 * split fused tensors by slicing (never copying). The MindSpeed-MM sharded layout plugs in here as another
 * implementation.
 */
public interface WeightSource extends AutoCloseable {

    /** Where the weights live (a directory), for messages. */
    String description();

    /** The tensor with this canonical name, or empty if the checkpoint does not have it. */
    Optional<StoredTensor> find(String canonicalName);

    /** All canonical names present. */
    Set<String> canonicalNames();

    /** Releases the weights (unmaps files). Tensors obtained earlier must not be used afterwards. */
    @Override
    void close();
}
