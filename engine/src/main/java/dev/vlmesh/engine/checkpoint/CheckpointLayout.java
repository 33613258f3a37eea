package dev.vlmesh.engine.checkpoint;

/** How a checkpoint directory names its config sections and tensors. */
public enum CheckpointLayout {
    /** OpenGVLab's own repositories: {@code model_type} "internvl_chat", {@code vision_config}/{@code llm_config}. */
    ORIGINAL,
    /** transformers-native "-hf" repositories: {@code model_type} "internvl", {@code vision_config}/{@code text_config}. */
    HF
}
