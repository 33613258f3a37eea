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
import dev.vlmesh.engine.tensor.WeightFormat;
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
import java.util.Locale;
import java.util.concurrent.CancellationException;
import dev.vlmesh.engine.video.FrameSampler;
import dev.vlmesh.engine.video.VideoFrame;
import dev.vlmesh.engine.video.VideoReader;
import dev.vlmesh.engine.video.VideoWindow;
import dev.vlmesh.infer.backend.SegmentSink;
import dev.vlmesh.infer.config.VideoSettings;
import dev.vlmesh.infer.jobs.SegmentSummary;

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
    private final VideoInputs videos;

    private EngineRuntime(InternVlModel model, String name, String version, VideoInputs videos) {
        this.model = model;
        this.name = name;
        this.version = version;
        this.videos = videos;
    }

    /**
     * A loader sharing {@code pool} between every version it loads, holding their linear weights as {@code weights}
     * says (as stored, or quantized to Q8_0 at load); videos decoded as {@code video} says.
     */
    public static ModelRuntime.Loader loader(ComputePool pool, WeightFormat weights, VideoSettings video) {
        VideoInputs videos = new VideoInputs(video);
        return (Path dir, String name, String version) -> new EngineRuntime(
                InternVlModel.load(dir, EngineOptions.defaults().withSharedPool(pool).withWeights(weights)), name,
                version, videos);
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
        if (input.segmented()) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_INVALID, "segment mode goes through generateSegments");
        }
        long t0 = System.nanoTime();
        List<ImageInput> images = new ArrayList<>();
        List<ImageInput> frames = new ArrayList<>();
        for (MediaInput m : input.media()) {
            if (m.kind() == MediaRef.Kind.video) {
                int n = videos.frames(input);
                try (VideoInputs.Opened v = videos.open(m, stop)) {
                    for (VideoFrame f : v.reader.sample(n, VideoInputs.bound(input))) {
                        frames.add(ImageInput.decoded(f.image()));
                    }
                } catch (CancellationException e) {
                    return cancelledBeforeStart();
                } catch (Exception e) {
                    throw VideoInputs.failure(e);
                }
            } else {
                images.add(ImageInput.bytes(m.bytes()));
            }
        }
        long decodeNanos = System.nanoTime() - t0;
        GenerationRequest.Builder b = request(input, input.question());
        images.forEach(b::image);
        frames.forEach(b::videoFrame);
        Outcome o = run(b.build(), sink, stop);
        return new Outcome(o.text(), o.finishReason(), o.promptTokens(), o.imageTokens(), o.completionTokens(),
                o.preprocessMs() + decodeNanos / 1_000_000, o.visionMs(), o.prefillMs(), o.decodeMs(),
                o.timeToFirstTokenMs() == 0 ? 0 : o.timeToFirstTokenMs() + decodeNanos / 1_000_000);
    }

    /**
     * Segment mode: windows of {@code segmentSeconds}, each sampled like a bounded reference call with
     * {@code numFrames} frames, decoded only when its turn comes and described at once, so the first answer does not
     * wait for the rest of the video and at most one window's frames are held.
     */
    @Override
    public Outcome generateSegments(GenerationInput input, SegmentSink sink, StopSignal stop)
            throws JobFailure, InterruptedException {
        if (input.media().size() != 1 || input.media().get(0).kind() != MediaRef.Kind.video) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_INVALID, "segment mode needs exactly one video (this job "
                    + "has " + input.media().size() + " media)");
        }
        double window = input.segmentSeconds();
        VideoSettings vs = videos.settings();
        if (!(window >= vs.minSegmentSeconds())) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_INVALID, "segmentSeconds " + window + " is shorter than the "
                    + "worker's minimum of " + vs.minSegmentSeconds() + " s");
        }
        int n = videos.frames(input);
        long t0 = System.nanoTime();
        long firstToken = 0;
        int prompt = 0;
        int imageTokens = 0;
        int completion = 0;
        long pre = 0;
        long vision = 0;
        long prefill = 0;
        long decode = 0;
        boolean cancelled = false;
        boolean length = false;
        List<SegmentSummary.Segment> done = new ArrayList<>();
        try (VideoInputs.Opened v = videos.open(input.media().get(0), stop)) {
            FrameSampler.Bound bound = VideoInputs.bound(input);
            double duration = Double.isFinite(v.reader.info().durationSeconds()) ? v.reader.info().durationSeconds()
                    : v.reader.header().durationSeconds() == null ? 0 : v.reader.header().durationSeconds();
            double from = bound == null ? 0 : bound.startSeconds();
            double to = bound == null ? duration : Math.min(duration, bound.endSeconds());
            long windows = (long) Math.ceil(Math.max(0, to - from) / window);
            if (windows > vs.maxSegments()) {
                throw JobFailure.permanent(ErrorCodes.MEDIA_TOO_LARGE, String.format(Locale.ROOT, "%.1f s of video "
                        + "in %.1f s windows make %d windows; this worker describes at most %d per job (use longer "
                        + "windows)", to - from, window, windows, vs.maxSegments()));
            }
            VideoReader.Windows cursor = v.reader.windows(window, n, bound);
            while (!stop.stopped()) {
                long d0 = System.nanoTime();
                VideoWindow w = cursor.next();
                pre += System.nanoTime() - d0;
                if (w == null) {
                    break;
                }
                sink.segmentStarted(w.segment(), w.startSeconds(), w.endSeconds());
                GenerationRequest.Builder b = request(input, input.question());
                for (VideoFrame f : w.frames()) {
                    b.videoFrame(ImageInput.decoded(f.image()));
                }
                long[] first = {0};
                Outcome o = run(b.build(), (text, tokens) -> {
                    if (first[0] == 0) {
                        first[0] = System.nanoTime();
                    }
                    sink.text(text, tokens);
                }, stop);
                if (firstToken == 0 && first[0] != 0) {
                    firstToken = first[0];
                }
                sink.segmentCompleted(w.segment(), w.startSeconds(), w.endSeconds(), o.text());
                done.add(new SegmentSummary.Segment(w.segment(), w.startSeconds(), w.endSeconds(), o.text()));
                prompt += o.promptTokens();
                imageTokens += o.imageTokens();
                completion += o.completionTokens();
                pre += o.preprocessMs() * 1_000_000;
                vision += o.visionMs();
                prefill += o.prefillMs();
                decode += o.decodeMs();
                length |= "length".equals(o.finishReason());
                if ("cancelled".equals(o.finishReason())) {
                    cancelled = true;
                    break;
                }
            }
        } catch (CancellationException e) {
            cancelled = true;
        } catch (JobFailure | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw VideoInputs.failure(e);
        }
        cancelled |= stop.stopped();
        String finish = cancelled ? "cancelled" : length ? "length" : "stop";
        return new Outcome(SegmentSummary.join(done), finish, prompt, imageTokens, completion, pre / 1_000_000,
                vision, prefill, decode, firstToken == 0 ? 0 : (firstToken - t0) / 1_000_000);
    }

    private static Outcome cancelledBeforeStart() {
        return new Outcome("", "cancelled", 0, 0, 0, 0, 0, 0, 0, 0);
    }

    private GenerationRequest.Builder request(GenerationInput input, String question) throws JobFailure {
        GenerationOptions options;
        try {
            options = new GenerationOptions(input.maxNewTokens(), Math.min(MAX_TILES, input.maxTiles()),
                    Math.max(0, input.temperature()), input.topK() == null ? 0 : input.topK(),
                    input.topP() == null ? 1.0 : input.topP(), 1.0, input.seed(), null);
        } catch (IllegalArgumentException e) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_INVALID, "invalid generation options: " + e.getMessage());
        }
        GenerationRequest.Builder b = GenerationRequest.builder(question).options(options)
                .systemMessage(input.systemMessage());
        input.history().forEach(t -> b.turn(t.question(), t.answer()));
        return b;
    }

    private Outcome run(GenerationRequest request, TextSink sink, StopSignal stop) throws JobFailure {
        CancelSignal cancel = new CancelSignal();
        stop.onStop(cancel::cancel);
        long t0 = System.nanoTime();
        long[] firstToken = {0};
        GenerationResult r;
        try {
            r = model.generate(request, (id, text) -> {
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
