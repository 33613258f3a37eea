package dev.vlmesh.infer.engine;

import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.generate.CancelSignal;
import dev.vlmesh.engine.generate.EngineOptions;
import dev.vlmesh.engine.generate.GenerationOptions;
import dev.vlmesh.engine.generate.GenerationRequest;
import dev.vlmesh.engine.generate.GenerationResult;
import dev.vlmesh.engine.generate.ImageInput;
import dev.vlmesh.engine.generate.InternVlModel;
import dev.vlmesh.engine.image.ImageDecodeException;
import dev.vlmesh.engine.image.ImageLimitException;
import dev.vlmesh.engine.kernel.ComputePool;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.infer.backend.GenerationInput;
import dev.vlmesh.infer.backend.JobFailure;
import dev.vlmesh.infer.backend.MediaInput;
import dev.vlmesh.infer.backend.Outcome;
import dev.vlmesh.infer.backend.TextSink;
import dev.vlmesh.infer.cancel.StopSignal;
import dev.vlmesh.infer.checkpoint.ModelRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A checkpoint version loaded into the Java engine ({@link InternVlModel}). Every version shares one compute pool,
 * so two versions side by side during a swap do not double the threads. The job's stop signal raises the engine's
 * cancel signal, which the engine checks between vision layers, prefill chunks and decode steps.
 */
public final class EngineRuntime implements ModelRuntime {

    private static final int MAX_TILES = 12;

    private final InternVlModel model;
    private final String name;
    private final String version;

    private EngineRuntime(InternVlModel model, String name, String version) {
        this.model = model;
        this.name = name;
        this.version = version;
    }

    /** A loader sharing {@code pool} between every version it loads. */
    public static ModelRuntime.Loader loader(ComputePool pool) {
        return (Path dir, String name, String version) ->
                new EngineRuntime(InternVlModel.load(dir, EngineOptions.defaults().withSharedPool(pool)), name, version);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String version() {
        return version;
    }

    public InternVlModel model() {
        return model;
    }

    @Override
    public long memoryEstimate(GenerationInput input) {
        ModelConfig c = model.config();
        int perTile = c.tokensPerTile();
        long tiles = 0;
        for (MediaInput m : input.media()) {
            tiles += m.kind() == MediaRef.Kind.video ? input.numFrames() : Math.min(MAX_TILES, input.maxTiles()) + 1;
        }
        long tokens = Math.min(model.maxContext(), 512 + tiles * perTile + input.maxNewTokens());
        long kv = 2L * c.text().layers() * c.text().kvHeads() * c.text().headDim() * tokens * Float.BYTES;
        long patches = (long) (c.imageSize() / c.vision().patchSize()) * (c.imageSize() / c.vision().patchSize()) + 1;
        // vision activations of the tiles (a few hidden-size buffers per patch) and the prefill workspace
        long vision = tiles * patches * c.vision().intermediateSize() * Float.BYTES * 3L;
        long prefill = 256L * Math.max(c.text().intermediateSize(), c.text().vocabSize()) * Float.BYTES * 3L;
        return kv + vision + prefill;
    }

    @Override
    public Outcome generate(GenerationInput input, TextSink sink, StopSignal stop)
            throws JobFailure, InterruptedException {
        List<ImageInput> images = new ArrayList<>();
        for (MediaInput m : input.media()) {
            if (m.kind() == MediaRef.Kind.video) {
                throw JobFailure.permanent(ErrorCodes.UNSUPPORTED_MEDIA, "the embedded engine cannot decode video "
                        + "yet; send frames as images or use the openai backend");
            }
            images.add(ImageInput.bytes(m.bytes()));
        }
        GenerationOptions options;
        try {
            options = new GenerationOptions(input.maxNewTokens(), Math.min(MAX_TILES, input.maxTiles()),
                    Math.max(0, input.temperature()), input.topK() == null ? 0 : input.topK(),
                    input.topP() == null ? 1.0 : input.topP(), 1.0, input.seed(), null);
        } catch (IllegalArgumentException e) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_INVALID, "invalid generation options: " + e.getMessage());
        }
        GenerationRequest.Builder b = GenerationRequest.builder(input.question()).options(options)
                .systemMessage(input.systemMessage());
        images.forEach(b::image);
        input.history().forEach(t -> b.turn(t.question(), t.answer()));
        CancelSignal cancel = new CancelSignal();
        stop.onStop(cancel::cancel);
        long t0 = System.nanoTime();
        long[] firstToken = {0};
        GenerationResult r;
        try {
            r = model.generate(b.build(), (id, text) -> {
                if (firstToken[0] == 0) {
                    firstToken[0] = System.nanoTime();
                }
                sink.accept(text, 1);
            }, cancel);
        } catch (ImageLimitException e) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_TOO_LARGE, e.getMessage());
        } catch (ImageDecodeException e) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_INVALID, e.getMessage());
        } catch (IOException e) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_INVALID, String.valueOf(e.getMessage()));
        } catch (IllegalArgumentException e) {
            String msg = String.valueOf(e.getMessage());
            throw JobFailure.permanent(msg.contains("tokens") ? ErrorCodes.PROMPT_TOO_LONG : ErrorCodes.MEDIA_INVALID,
                    msg);
        }
        String finish = switch (r.finishReason()) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
        };
        var t = r.timings();
        long ttft = firstToken[0] == 0 ? 0 : (firstToken[0] - t0) / 1_000_000;
        return new Outcome(r.text(), finish, r.usage().promptTokens(), r.usage().imageTokens(),
                r.usage().completionTokens(), t.preprocessNanos() / 1_000_000, t.visionNanos() / 1_000_000,
                t.prefillNanos() / 1_000_000, t.decodeNanos() / 1_000_000, ttft);
    }

    @Override
    public void close() {
        model.close();
    }

}
