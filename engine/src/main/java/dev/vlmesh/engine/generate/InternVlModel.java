package dev.vlmesh.engine.generate;

import dev.vlmesh.engine.checkpoint.CheckpointException;
import dev.vlmesh.engine.checkpoint.ConfigReader;
import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.checkpoint.SafetensorsWeightSource;
import dev.vlmesh.engine.convert.MindSpeedCheckpoint;
import dev.vlmesh.engine.checkpoint.QuantizationSummary;
import dev.vlmesh.engine.checkpoint.TensorLoader;
import dev.vlmesh.engine.checkpoint.WeightSource;
import dev.vlmesh.engine.image.ImagePreprocessor;
import dev.vlmesh.engine.image.PixelValues;
import dev.vlmesh.engine.kernel.ComputePool;
import dev.vlmesh.engine.llm.DecoderWorkspace;
import dev.vlmesh.engine.llm.KvCache;
import dev.vlmesh.engine.llm.Qwen2Model;
import dev.vlmesh.engine.llm.Qwen2Weights;
import dev.vlmesh.engine.prompt.ChatTemplate;
import dev.vlmesh.engine.prompt.ChatTurn;
import dev.vlmesh.engine.tensor.WeightFormat;
import dev.vlmesh.engine.tokenizer.Qwen2Tokenizer;
import dev.vlmesh.engine.tokenizer.StreamingDecoder;
import dev.vlmesh.engine.video.VideoFrame;
import dev.vlmesh.engine.video.VideoReader;
import dev.vlmesh.engine.vision.VisionEncoder;
import dev.vlmesh.engine.vision.VisionWeights;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * An InternVL3 checkpoint ready to answer: config, tokenizer, memory-mapped weights, vision encoder and LLM.
 *
 * <pre>{@code
 * try (InternVlModel model = InternVlModel.load(dir, EngineOptions.defaults())) {
 *     GenerationRequest req = GenerationRequest.builder("Describe the image.").image(Path.of("cat.jpg"))
 *             .options(GenerationOptions.greedy(256)).build();
 *     GenerationResult r = model.generate(req, (id, text) -> System.out.print(text), new CancelSignal());
 * }
 * }</pre>
 *
 * Thread-safe: several threads may generate at once. Their image tiles are encoded by one vision loop in batched
 * calls ({@link VisionBatch}), their prefills interleave on the shared thread pool, and their decode steps are
 * batched: one forward pass per token for all of them ({@link DecodeBatch}, {@link EngineOptions#decodeBatch}),
 * with token listeners called on the decode thread.
 * {@link #close()} waits for running generations, then releases the threads it owns and unmaps the weights (so it
 * must not be called from a {@link TokenListener}).
 */
public final class InternVlModel implements AutoCloseable {
    private final Path dir;
    private final ModelConfig config;
    private final EngineOptions options;
    private final Qwen2Tokenizer tokenizer;
    private final WeightSource weights;
    /** Memory of weights converted at load (Q8_0); null when all are as stored. Closed after the weights. */
    private final Arena converted;
    private final QuantizationSummary quantization;
    private final VisionEncoder vision;
    private final Qwen2Model llm;
    private final ComputePool pool;
    private final boolean ownsPool;
    private final int imageTokenId;
    private final int imEndId;
    private final Object lifecycle = new Object();
    private int active;
    private boolean closed;
    /** Shared decode loop (continuous batching); null when every generation decodes alone. */
    private final DecodeBatch decodeBatch;
    /** Shared vision loop (batched encoding), present when decodes are batched. */
    private final VisionBatch visionBatch;

    private InternVlModel(Path dir, ModelConfig config, EngineOptions options, Qwen2Tokenizer tokenizer,
                          WeightSource weights, Arena converted, QuantizationSummary quantization,
                          VisionEncoder vision, Qwen2Model llm, int imageTokenId, int imEndId) {
        this.dir = dir;
        this.config = config;
        this.options = options;
        this.tokenizer = tokenizer;
        this.weights = weights;
        this.converted = converted;
        this.quantization = quantization;
        this.vision = vision;
        this.llm = llm;
        this.imageTokenId = imageTokenId;
        this.imEndId = imEndId;
        this.ownsPool = options.sharedPool() == null;
        this.pool = ownsPool ? new ComputePool(options.threads(), options.gemm()) : options.sharedPool();
        this.decodeBatch = options.decodeBatch() > 1 ? new DecodeBatch(llm, pool, options.decodeBatch()) : null;
        this.visionBatch = options.decodeBatch() > 1 ? new VisionBatch(vision, pool) : null;
    }

    /**
     * Loads a checkpoint directory: the original OpenGVLab layout, the transformers {@code -hf} layout, or the
     * MindSpeed-MM sharded layout that convert-service writes (recognised by its
     * {@code latest_checkpointed_iteration.txt}; every pipeline and tensor shard is merged at load). Every tensor the
     * model needs is checked against the config here; a bad checkpoint fails now with a message naming the file and
     * tensor.
     */
    public static InternVlModel load(Path dir, EngineOptions options) throws IOException {
        ModelConfig config = ConfigReader.read(dir);
        Qwen2Tokenizer tokenizer = Qwen2Tokenizer.load(dir);
        WeightSource source = MindSpeedCheckpoint.isMindSpeedLayout(dir)
                ? MindSpeedCheckpoint.open(dir, config)
                : SafetensorsWeightSource.open(dir, config.layout());
        return load(dir, config, tokenizer, source, options);
    }

    /**
     * Builds a model from weights of any layout (for example MindSpeed-MM shards merged by a {@link WeightSource}
     * of their own). The model takes ownership of {@code source} and closes it, also when loading fails.
     *
     * @param dir where the model comes from, for messages
     */
    public static InternVlModel load(Path dir, ModelConfig config, Qwen2Tokenizer tokenizer, WeightSource source,
                                     EngineOptions options) throws IOException {
        try {
            return build(dir, config, tokenizer, source, options);
        } catch (IOException | RuntimeException e) {
            source.close();
            throw e;
        }
    }

    private static InternVlModel build(Path dir, ModelConfig config, Qwen2Tokenizer tokenizer, WeightSource source,
                                       EngineOptions options) throws IOException {
        int imageTokenId = tokenizer.tokenId(ChatTemplate.IMG_CONTEXT).orElseThrow(() -> new CheckpointException(
                dir + ": the tokenizer has no " + ChatTemplate.IMG_CONTEXT + " token"));
        int imEnd = tokenizer.tokenId(ChatTemplate.IM_END).orElseThrow(() -> new CheckpointException(
                dir + ": the tokenizer has no " + ChatTemplate.IM_END + " token"));
        if (config.imageTokenId() >= 0 && config.imageTokenId() != imageTokenId) {
            throw new CheckpointException(dir + "/config.json: image_token_id " + config.imageTokenId()
                    + " differs from the tokenizer's " + ChatTemplate.IMG_CONTEXT + " id " + imageTokenId);
        }
        if (tokenizer.idLimit() > config.text().vocabSize()) {
            throw new CheckpointException(dir + ": the tokenizer has ids up to " + (tokenizer.idLimit() - 1)
                    + " but the LLM vocabulary is " + config.text().vocabSize());
        }
        Arena converted = options.weights() == WeightFormat.AS_STORED ? null : Arena.ofShared();
        try {
            TensorLoader loader = new TensorLoader(source, config.layout(), options.weights(), converted);
            VisionWeights vw = VisionWeights.load(config, loader);
            Qwen2Weights lw = Qwen2Weights.load(config.text(), loader);
            return new InternVlModel(dir, config, options, tokenizer, source, converted, loader.summary(),
                    new VisionEncoder(config, vw), new Qwen2Model(config.text(), lw), imageTokenId, imEnd);
        } catch (IOException | RuntimeException e) {
            if (converted != null) {
                converted.close();
            }
            throw e;
        }
    }

    public Path directory() {
        return dir;
    }

    public ModelConfig config() {
        return config;
    }

    public Qwen2Tokenizer tokenizer() {
        return tokenizer;
    }

    /** How the linear-layer weights are held ({@link EngineOptions#weights}) and what was converted at load. */
    public QuantizationSummary quantization() {
        return quantization;
    }

    /** The decoder itself, for benchmarks and tools that drive its forward pass directly (shares this model's weights). */
    public Qwen2Model languageModel() {
        return llm;
    }

    public int imageTokenId() {
        return imageTokenId;
    }

    public int threads() {
        return pool.threads();
    }

    /** The shared decode loop's forward passes and sequence-tokens ({@link BatchStats#NONE} when not batching). */
    public BatchStats decodeStats() {
        return decodeBatch == null ? BatchStats.NONE : decodeBatch.stats();
    }

    /** The shared vision loop itself, for tests of its batching. */
    VisionBatch visionBatchForTests() {
        return visionBatch;
    }

    /** The shared vision loop's encode calls and image requests ({@link BatchStats#NONE} when not batching). */
    public BatchStats visionStats() {
        return visionBatch == null ? BatchStats.NONE : visionBatch.stats();
    }

    /** Longest prompt + generation this model accepts. */
    public int maxContext() {
        int m = config.text().maxPositionEmbeddings();
        return options.maxContext() > 0 ? Math.min(options.maxContext(), m) : m;
    }

    // ------------------------------------------------------------------ generation

    /** Preprocesses, encodes images, prefills and decodes. See {@link GenerationRequest} for the prompt rules. */
    public GenerationResult generate(GenerationRequest request, TokenListener listener, CancelSignal cancel)
            throws IOException {
        enter();
        try {
            PreparedInput in = prepare(request);
            return run(in, request.options(), listener, cancel);
        } finally {
            leave();
        }
    }

    /** Generates from token ids and pixels directly (the prompt must already contain the image tokens). */
    public GenerationResult generate(PreparedInput input, GenerationOptions generation, TokenListener listener,
                                     CancelSignal cancel) {
        enter();
        try {
            return run(input, generation, listener, cancel);
        } finally {
            leave();
        }
    }

    /**
     * Decodes and tiles the request's images, renders the prompt and tokenises it. Limits (file size, pixels,
     * tiles, context length) are enforced here, before any expensive work.
     */
    public PreparedInput prepare(GenerationRequest request) throws IOException {
        long t0 = System.nanoTime();
        GenerationOptions o = request.options();
        int maxTiles = o.maxTiles() > 0 ? o.maxTiles()
                : Math.max(1, Math.min(ImagePreprocessor.MAX_TILES_LIMIT, config.maxDynamicPatch()));
        ImagePreprocessor pre = new ImagePreprocessor(config.imageSize(), maxTiles, options.imageLimits());
        List<PixelValues> parts = new ArrayList<>();
        List<Integer> tiles = new ArrayList<>();
        for (ImageInput image : request.images()) {
            ImagePreprocessor own = image.maxTiles() > 0 && image.maxTiles() != maxTiles
                    ? new ImagePreprocessor(config.imageSize(), image.maxTiles(), options.imageLimits()) : pre;
            PixelValues pv = pixels(own, image, false);
            parts.add(pv);
            tiles.add(pv.tiles());
        }
        List<ImageInput> frames = request.video() != null ? sampleVideo(request.video()) : request.videoFrames();
        for (ImageInput frame : frames) {
            PixelValues pv = pixels(pre, frame, true);
            parts.add(pv);
            tiles.add(pv.tiles());
        }
        int size = parts.isEmpty() ? config.imageSize() : parts.get(0).size();
        for (PixelValues p : parts) {
            if (p.size() != size) {
                throw new IllegalArgumentException("all tiles of a request must have one size; got " + size
                        + " and " + p.size());
            }
        }
        if (!parts.isEmpty()) {
            vision.checkTileSize(size);
        }
        int perTile = vision.tokensPerTile(size);
        ChatTemplate template = new ChatTemplate(request.systemMessage() != null ? request.systemMessage()
                : ChatTemplate.DEFAULT_SYSTEM_MESSAGE, perTile);
        String question = withImagePrefix(request, frames.size());
        int[] ids = template.queryIds(tokenizer, request.history(), question, tiles);
        int totalTiles = tiles.stream().mapToInt(Integer::intValue).sum();
        int imageTokens = 0;
        for (int id : ids) {
            if (id == imageTokenId) {
                imageTokens++;
            }
        }
        if (imageTokens != totalTiles * perTile) {
            throw new IllegalArgumentException("the prompt holds " + imageTokens + " image tokens but the images have "
                    + totalTiles + " tiles × " + perTile + " (does the text contain " + ChatTemplate.IMG_CONTEXT
                    + "?)");
        }
        checkContext(ids.length);
        PixelValues pixels = parts.isEmpty() ? null
                : parts.size() == 1 ? parts.get(0) : ImagePreprocessor.concat(parts);
        return new PreparedInput(ids, pixels, null, imageTokens, System.nanoTime() - t0);
    }

    private PixelValues pixels(ImagePreprocessor pre, ImageInput input, boolean frame) throws IOException {
        return switch (input) {
            case ImageInput.Pixels p -> p.pixels();
            case ImageInput.File f -> frame ? pre.frame(pre.decoder().decode(f.path())).pixelValues()
                    : pre.load(f.path()).pixelValues();
            case ImageInput.Bytes b -> frame ? pre.frame(pre.decoder().decode(b.data())).pixelValues()
                    : pre.load(b.data()).pixelValues();
            case ImageInput.Decoded d -> frame ? pre.frame(d.image()).pixelValues()
                    : pre.preprocess(d.image()).pixelValues();
        };
    }

    /** The reference's frame choice for a video file, decoded to RGB (one tile each later). */
    private static List<ImageInput> sampleVideo(VideoInput v) throws IOException {
        List<ImageInput> frames = new ArrayList<>();
        try (VideoReader reader = VideoReader.open(v.file(), v.decode())) {
            for (VideoFrame f : reader.sample(v.segments(), v.bound())) {
                frames.add(ImageInput.decoded(f.image()));
            }
        }
        return frames;
    }

    /** The model card's prefixes when the conversation has no {@code <image>} placeholder at all. */
    private static String withImagePrefix(GenerationRequest r, int frames) {
        int images = r.images().size();
        if (images + frames == 0 || r.prompt().contains(ChatTemplate.IMAGE_PLACEHOLDER)) {
            return r.prompt();
        }
        for (ChatTurn t : r.history()) {
            if (t.question().contains(ChatTemplate.IMAGE_PLACEHOLDER)) {
                return r.prompt();
            }
        }
        if (images == 1 && frames == 0 && r.history().isEmpty()) {
            return r.prompt(); // the template's own rule: "<image>\n" + question
        }
        String prefix = images == 1 ? ChatTemplate.IMAGE_PLACEHOLDER + "\n"
                : images > 1 ? ChatTemplate.imagesPrefix(images) : "";
        if (frames > 0) {
            prefix += ChatTemplate.framesPrefix(frames);
        }
        return prefix + r.prompt();
    }

    private void checkContext(int promptTokens) {
        if (promptTokens >= maxContext()) {
            throw new IllegalArgumentException("the prompt has " + promptTokens + " tokens; the model accepts at most "
                    + (maxContext() - 1) + " (context " + maxContext() + ")");
        }
    }

    /** The projected image features, [tiles · tokensPerTile, hidden], of normalised pixel tiles. */
    public float[] imageFeatures(PixelValues pixels) {
        enter();
        try {
            return vision.encode(pool, pixels.data(), pixels.tiles(), pixels.size(), () -> false);
        } finally {
            leave();
        }
    }

    /** The vision encoder's output for one tile (class token included), for checks against the reference. */
    public float[] visionHiddenState(PixelValues pixels, int tile) {
        enter();
        try {
            return vision.hiddenState(pool, pixels.data(), tile, pixels.size());
        } finally {
            leave();
        }
    }

    /** Logits [vocab] at the last prompt position. */
    public float[] lastLogits(PreparedInput input) {
        enter();
        try {
            checkContext(input.tokenIds().length);
            input = new PreparedInput(input.tokenIds(), input.pixels(), input.imageFeatures(),
                    PreparedInput.of(input.tokenIds(), null, imageTokenId).imageTokens(), 0);
            float[] features = encodeImages(input, CancelSignal.none());
            KvCache cache = new KvCache(config.text(), input.tokenIds().length);
            DecoderWorkspace ws = prefill(input.tokenIds(), features, cache, CancelSignal.none());
            return Arrays.copyOf(ws.logits, config.text().vocabSize());
        } finally {
            leave();
        }
    }

    private GenerationResult run(PreparedInput in, GenerationOptions o, TokenListener listener, CancelSignal cancel) {
        int[] ids = in.tokenIds();
        checkContext(ids.length);
        int vocab = config.text().vocabSize();
        int imageTokens = 0;
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("prompt token id " + id + " is outside the vocabulary");
            }
            if (id == imageTokenId) {
                imageTokens++;
            }
        }
        if (imageTokens != in.imageTokens()) {
            in = new PreparedInput(ids, in.pixels(), in.imageFeatures(), imageTokens, in.preprocessNanos());
        }
        int maxNew = Math.min(o.maxNewTokens(), maxContext() - ids.length);
        long seed = o.seed() != null ? o.seed() : new SecureRandom().nextLong();
        boolean[] stop = new boolean[vocab];
        for (int id : o.stopTokenIds() != null ? o.stopTokenIds() : Set.of(imEndId)) {
            if (id >= 0 && id < vocab) {
                stop[id] = true;
            }
        }
        long t0 = System.nanoTime();
        float[] features = encodeImages(in, cancel);
        long t1 = System.nanoTime();
        Usage usage0 = new Usage(ids.length, in.imageTokens(), 0);
        if (cancel.isCancelled()) {
            return new GenerationResult("", new int[0], FinishReason.CANCELLED, usage0,
                    new Timings(in.preprocessNanos(), t1 - t0, 0, 0), seed);
        }
        KvCache cache = new KvCache(config.text(), ids.length + maxNew);
        DecoderWorkspace pre = prefill(ids, features, cache, cancel);
        long t2 = System.nanoTime();
        if (pre == null) {
            return new GenerationResult("", new int[0], FinishReason.CANCELLED, usage0,
                    new Timings(in.preprocessNanos(), t1 - t0, t2 - t1, 0), seed);
        }
        Sampler sampler = new Sampler(vocab, o, seed);
        for (int id : ids) {
            sampler.observe(id);
        }
        DecodeSequence seq = new DecodeSequence(cache, sampler, stop, listener, tokenizer.newStreamingDecoder(true),
                cancel, vocab, maxNew, pre.logits);
        if (decodeBatch != null) {
            decodeBatch.decode(seq);
        } else {
            decodeAlone(seq);
        }
        int[] generated = seq.tokens();
        FinishReason reason = seq.reason();
        int n = generated.length;
        long t3 = System.nanoTime();
        String answer = tokenizer.decode(generated, true).strip();
        Usage usage = new Usage(ids.length, in.imageTokens(), n + (reason == FinishReason.STOP ? 1 : 0));
        return new GenerationResult(answer, generated, reason, usage,
                new Timings(in.preprocessNanos(), t1 - t0, t2 - t1, t3 - t2), seed);
    }

    /** The decode loop of a sequence that runs on its own (decodeBatch 1): one row per forward pass. */
    private void decodeAlone(DecodeSequence seq) {
        DecoderWorkspace ws = new DecoderWorkspace(config.text(), pool, 1, 1, seq.cache.capacity());
        while (seq.advance(ws.logits, 0)) {
            llm.embed(seq.next, ws.input, 0);
            ws.rows = 1;
            ws.cache[0] = seq.cache;
            ws.position[0] = seq.cache.length();
            ws.logitRows[0] = 0;
            ws.logitCount = 1;
            llm.forward(ws);
        }
        seq.finish();
    }

    private float[] encodeImages(PreparedInput in, CancelSignal cancel) {
        if (in.imageFeatures() != null) {
            int d = config.text().hiddenSize();
            if (in.imageFeatures().length != (long) in.imageTokens() * d) {
                throw new IllegalArgumentException("the prompt has " + in.imageTokens() + " image tokens but "
                        + in.imageFeatures().length + " feature values were given (hidden size " + d + ")");
            }
            return in.imageFeatures();
        }
        if (in.pixels() == null) {
            if (in.imageTokens() != 0) {
                throw new IllegalArgumentException("the prompt has " + in.imageTokens() + " image tokens but no pixels");
            }
            return null;
        }
        PixelValues p = in.pixels();
        int expected = p.tiles() * vision.tokensPerTile(p.size());
        if (expected != in.imageTokens()) {
            throw new IllegalArgumentException("the prompt has " + in.imageTokens() + " image tokens but the "
                    + p.tiles() + " tiles give " + expected);
        }
        return visionBatch != null ? visionBatch.encode(p, cancel)
                : vision.encode(pool, p.data(), p.tiles(), p.size(), cancel::isCancelled);
    }

    /** Runs the prompt through the LLM in chunks; returns the workspace holding the last position's logits. */
    private DecoderWorkspace prefill(int[] ids, float[] features, KvCache cache, CancelSignal cancel) {
        int d = config.text().hiddenSize();
        int chunk = Math.min(options.prefillChunk(), ids.length);
        DecoderWorkspace ws = new DecoderWorkspace(config.text(), pool, chunk, 1, cache.capacity());
        int feature = 0;
        for (int start = 0; start < ids.length; start += chunk) {
            if (cancel.isCancelled()) {
                return null;
            }
            int rows = Math.min(chunk, ids.length - start);
            for (int r = 0; r < rows; r++) {
                int id = ids[start + r];
                if (id == imageTokenId && features != null) {
                    System.arraycopy(features, feature * d, ws.input, r * d, d);
                    feature++;
                } else {
                    llm.embed(id, ws.input, r * d);
                }
                ws.cache[r] = cache;
                ws.position[r] = start + r;
            }
            ws.rows = rows;
            boolean last = start + rows == ids.length;
            ws.logitCount = last ? 1 : 0;
            ws.logitRows[0] = rows - 1;
            llm.forward(ws);
        }
        return ws;
    }

    // ------------------------------------------------------------------ lifecycle

    private void enter() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("model " + dir + " is closed");
            }
            active++;
        }
    }

    private void leave() {
        synchronized (lifecycle) {
            active--;
            lifecycle.notifyAll();
        }
    }

    /** Waits for running generations to finish, then stops owned threads and unmaps the weights. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            boolean interrupted = false;
            while (active > 0) {
                try {
                    lifecycle.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (decodeBatch != null) {
            decodeBatch.close();
            visionBatch.close();
        }
        if (ownsPool) {
            pool.close();
        }
        weights.close();
        if (converted != null) {
            converted.close();
        }
    }
}
