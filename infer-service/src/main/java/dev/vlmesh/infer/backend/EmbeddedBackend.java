package dev.vlmesh.infer.backend;

import dev.vlmesh.infer.cancel.StopSignal;
import dev.vlmesh.infer.checkpoint.ModelManager;
import dev.vlmesh.infer.checkpoint.ModelVersions;

/** Generation on the Java engine in this process, on the version {@link ModelManager} serves (or a pinned one). */
public final class EmbeddedBackend implements InferenceBackend {

    private final ModelManager models;

    public EmbeddedBackend(ModelManager models) {
        this.models = models;
    }

    @Override
    public String name() {
        return "embedded";
    }

    @Override
    public boolean ready() {
        return models.loaded();
    }

    @Override
    public long memoryEstimate(GenerationInput input) {
        return models.versions().current().map(m -> m.memoryEstimate(input)).orElse(0L);
    }

    @Override
    public Session open(String pinnedVersion) throws JobFailure, InterruptedException {
        ModelVersions.Lease lease = models.versions().acquire(pinnedVersion);
        return new Session() {
            @Override
            public String model() {
                return lease.model().name();
            }

            @Override
            public String version() {
                return lease.model().version();
            }

            @Override
            public Outcome generate(GenerationInput input, TextSink sink, StopSignal stop)
                    throws JobFailure, InterruptedException {
                return lease.model().generate(input, sink, stop);
            }

            @Override
            public Outcome generateSegments(GenerationInput input, SegmentSink sink, StopSignal stop)
                    throws JobFailure, InterruptedException {
                return lease.model().generateSegments(input, sink, stop);
            }

            @Override
            public void close() {
                lease.close();
            }
        };
    }

    @Override
    public void close() {
        // the model manager owns the loaded versions
    }
}
