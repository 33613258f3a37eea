package dev.vlmesh.events;

/** Events about converting and publishing a model checkpoint. Keyed by model name. */
public sealed interface CheckpointEvent extends VlmeshEvent
        permits CheckpointRefreshRequested, ConversionProgress, CheckpointReady, CheckpointFailed {

    String conversionId();

    String modelName();

    @Override
    default String key() {
        return modelName();
    }
}
