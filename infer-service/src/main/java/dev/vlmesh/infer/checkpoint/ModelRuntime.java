package dev.vlmesh.infer.checkpoint;

import dev.vlmesh.infer.backend.GenerationInput;
import dev.vlmesh.infer.backend.JobFailure;
import dev.vlmesh.infer.backend.Outcome;
import dev.vlmesh.infer.backend.TextSink;
import dev.vlmesh.infer.cancel.StopSignal;

/** One loaded model version in this process (weights memory-mapped). Several generations may run on it at once. */
public interface ModelRuntime extends AutoCloseable {

    String name();

    String version();

    /** Rough bytes one generation of this input holds (KV cache, activations). */
    long memoryEstimate(GenerationInput input);

    Outcome generate(GenerationInput input, TextSink sink, StopSignal stop) throws JobFailure, InterruptedException;

    /** Video segment mode: each window described in turn (see {@link SegmentSink}). */
    default Outcome generateSegments(GenerationInput input, dev.vlmesh.infer.backend.SegmentSink sink,
                                     StopSignal stop) throws JobFailure, InterruptedException {
        throw JobFailure.permanent(dev.vlmesh.events.ErrorCodes.UNSUPPORTED_MEDIA,
                "video segment mode is not available on this model runtime");
    }

    /** Unmaps the weights; called once no generation uses the version any more. */
    @Override
    void close();

    /** Loads a checkpoint directory. */
    @FunctionalInterface
    interface Loader {
        ModelRuntime load(java.nio.file.Path dir, String name, String version) throws Exception;
    }
}
