package dev.vlmesh.infer.backend;

import dev.vlmesh.infer.cancel.StopSignal;

/**
 * Where generation happens: the Java engine in this process ({@code embedded}) or an OpenAI-compatible server
 * ({@code openai}). The worker publishes the same events whichever is configured.
 */
public interface InferenceBackend extends AutoCloseable {

    String name();

    /**
     * Takes what one job needs (the model version it runs on, pinned or the current one) until the session closes.
     *
     * @param pinnedVersion a version the job asks for, or null for the current one
     */
    Session open(String pinnedVersion) throws JobFailure, InterruptedException;

    /** Whether the backend can take work (model loaded / server configured). */
    boolean ready();

    /**
     * Rough bytes a request will hold in this process while it runs (KV cache, activations), for the batch memory
     * budget; 0 for a remote backend.
     */
    long memoryEstimate(GenerationInput input);

    /** One job's hold on the backend. */
    interface Session extends AutoCloseable {

        String model();

        String version();

        /**
         * Generates; text goes to {@code sink} as it is decoded. Returns when generation ends (end of turn, max
         * tokens, or {@code stop} — then within one decode step, with the partial text).
         */
        Outcome generate(GenerationInput input, TextSink sink, StopSignal stop)
                throws JobFailure, InterruptedException;

        /**
         * Video segment mode: the video is cut into windows, each described as soon as it is decoded; text and
         * answers go to {@code sink} window by window. The returned outcome sums the windows.
         */
        default Outcome generateSegments(GenerationInput input, SegmentSink sink, StopSignal stop)
                throws JobFailure, InterruptedException {
            throw JobFailure.permanent(dev.vlmesh.events.ErrorCodes.UNSUPPORTED_MEDIA, "video segment mode "
                    + "needs the embedded backend (the worker decodes the video itself)");
        }

        @Override
        void close();
    }

    @Override
    void close();
}
