import dev.vlmesh.engine.checkpoint.ConfigReader;
import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.checkpoint.SafetensorsWeightSource;
import dev.vlmesh.engine.checkpoint.StoredTensor;
import dev.vlmesh.engine.checkpoint.TextConfig;
import dev.vlmesh.engine.checkpoint.WeightSource;
import dev.vlmesh.engine.generate.CancelSignal;
import dev.vlmesh.engine.generate.EngineOptions;
import dev.vlmesh.engine.generate.GenerationOptions;
import dev.vlmesh.engine.generate.GenerationRequest;
import dev.vlmesh.engine.generate.GenerationResult;
import dev.vlmesh.engine.generate.ImageInput;
import dev.vlmesh.engine.generate.InternVlModel;
import dev.vlmesh.engine.generate.PreparedInput;
import dev.vlmesh.engine.generate.TokenListener;
import dev.vlmesh.engine.image.PixelValues;
import dev.vlmesh.engine.kernel.ComputePool;
import dev.vlmesh.engine.llm.DecoderWorkspace;
import dev.vlmesh.engine.llm.KvCache;
import dev.vlmesh.engine.llm.Qwen2Model;
import dev.vlmesh.engine.tensor.WeightFormat;
import dev.vlmesh.engine.tokenizer.Qwen2Tokenizer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * One engine configuration (checkpoint × thread count) in its own JVM, so the peak RSS belongs to it alone:
 * vision encode per tile and for a 13-tile image, prefill tokens/s at 256 and 1024 tokens, decode tokens/s at
 * context 256 and 2048, batched decode of several sequences (continuous batching), time to first token for a
 * one-tile image prompt, peak RSS. Each figure is printed with its
 * fraction of the machine's limit (from MachineLimits), the foreign load while it ran and the CPU share it got, and
 * appended to a TSV for the report.
 *
 * <p>TTFT and a 256-token prompt go through the public generation API ({@code InternVlModel.generate}). Prefill at
 * several lengths and decode at a long context use the LLM's own forward pass ({@code Qwen2Model.forward} over the
 * same mapped weights, in 256-row chunks like the engine's prefill): the public API reports one prefill time per
 * prompt, and the only way to a 2048-token context is to prefill 2048 tokens, so one long prefill is timed chunk by
 * chunk and then decoded from, instead of three separate prompts.
 *
 * usage: EngineBench --model DIR --label NAME --threads T --limits FILE --out TSV [--vision-tiles 13]
 * [--vision-reps 3] [--prefill 256,1024] [--contexts 256,2048] [--decode-tokens 32] [--decode-batches 4] [--ttft-runs 2]
 */
public final class EngineBench {
    private static final int CHUNK = 256; // EngineOptions.defaults().prefillChunk()

    private final String label;
    private final int threads;
    private final Properties limits;
    private final PrintWriter tsv;
    private final ModelCost cost;
    private final String dtype;
    private final WeightFormat weights;

    private EngineBench(String label, String dtype, WeightFormat weights, int threads, Properties limits, PrintWriter tsv,
                        ModelCost cost) {
        this.label = label;
        this.dtype = dtype;
        this.weights = weights;
        this.threads = threads;
        this.limits = limits;
        this.tsv = tsv;
        this.cost = cost;
    }

    public static void main(String[] args) throws Exception {
        Path dir = null;
        Path limitsFile = null;
        Path out = null;
        String label = null;
        int threads = 2;
        int visionTiles = 13;
        int visionReps = 3;
        int ttftRuns = 2;
        int prefillReps = 3;
        int decodeTokens = 32;
        int[] prefill = {256, 1024};
        int[] contexts = {256, 2048};
        int[] decodeBatches = {4};
        WeightFormat weights = WeightFormat.AS_STORED;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--model" -> dir = Path.of(v);
                case "--label" -> label = v;
                case "--threads" -> threads = Integer.parseInt(v);
                case "--limits" -> limitsFile = Path.of(v);
                case "--out" -> out = Path.of(v);
                case "--vision-tiles" -> visionTiles = Integer.parseInt(v);
                case "--vision-reps" -> visionReps = Integer.parseInt(v);
                case "--ttft-runs" -> ttftRuns = Integer.parseInt(v);
                case "--decode-tokens" -> decodeTokens = Integer.parseInt(v);
                case "--prefill-reps" -> prefillReps = Integer.parseInt(v);
                case "--prefill" -> prefill = ints(v);
                case "--contexts" -> contexts = ints(v);
                case "--decode-batches" -> decodeBatches = v.isEmpty() ? new int[0] : ints(v);
                case "--weights" -> weights = WeightFormat.parse(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Properties limits = new Properties();
        try (var r = Files.newBufferedReader(limitsFile)) {
            limits.load(r);
        }
        ModelConfig config = ConfigReader.read(dir);
        Qwen2Tokenizer tokenizer = Qwen2Tokenizer.load(dir);
        SafetensorsWeightSource source = SafetensorsWeightSource.open(dir, config.layout());
        StoredTensor q0 = source.find("model.language_model.layers.0.self_attn.q_proj.weight").orElseThrow();
        String stored = q0.dtype();
        // Q8_0: llama.cpp's block_q8_0, 32 int8 quants + one fp16 scale = 34 bytes per 32 weights
        String dtype = weights == WeightFormat.Q8_0 ? "Q8_0" : stored;
        double bytesPerElement = weights == WeightFormat.Q8_0 ? 34.0 / 32 : stored.equals("F32") ? 4 : 2;
        long weightBytes = 0;
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
                weightBytes += Files.size(f);
            }
        }
        try (PrintWriter tsv = new PrintWriter(Files.newBufferedWriter(out, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND))) {
            EngineBench b = new EngineBench(label, dtype, weights, threads, limits, tsv,
                    new ModelCost(config, bytesPerElement));
            b.run(dir, config, tokenizer, source, weightBytes, visionTiles, visionReps, ttftRuns, decodeTokens,
                    prefill, prefillReps, contexts, decodeBatches);
        }
    }

    private void run(Path dir, ModelConfig config, Qwen2Tokenizer tokenizer, SafetensorsWeightSource source,
                     long weightBytes, int visionTiles, int visionReps, int ttftRuns, int decodeTokens,
                     int[] prefill, int prefillReps, int[] contexts, int[] decodeBatches) throws IOException {
        System.out.printf(Locale.ROOT, "== %s %s, %d thread(s): checkpoint %.2f GB, load average %s%n", label, dtype,
                threads, weightBytes / 1e9, HostLoad.loadAverage());
        TextConfig text = config.text();
        long t0 = System.nanoTime();
        try (ComputePool pool = new ComputePool(threads);
             InternVlModel model = InternVlModel.load(dir, config, tokenizer, new SharedSource(source),
                     EngineOptions.defaults().withSharedPool(pool).withWeights(weights))) {
            // The model's own decoder: the forward pass the engine's prefill and decode loops call, driven here
            // chunk by chunk.
            Qwen2Model llm = model.languageModel();
            emit("load", (System.nanoTime() - t0) / 1e6, "ms", Double.NaN, model.quantization().describe(), null);
            SplittableRandom rnd = new SplittableRandom(7);
            int vocabText = text.vocabSize() - 31; // ids below the special tokens

            // warm-up: pages in the LLM weights and compiles the GEMM/GEMV paths
            HostLoad w0 = HostLoad.now();
            KvCache warm = new KvCache(text, CHUNK + 8);
            DecoderWorkspace ws = new DecoderWorkspace(text, pool, CHUNK, 1, CHUNK + 8);
            prefillChunk(llm, ws, warm, randomIds(rnd, CHUNK, vocabText), 0, true);
            DecoderWorkspace one = new DecoderWorkspace(text, pool, 1, 1, CHUNK + 8);
            int token = argmax(ws.logits, text.vocabSize());
            for (int i = 0; i < 4; i++) {
                token = decodeStep(llm, one, warm, token);
            }
            emit("warm-up (page-in, JIT): 256-token prefill + 4 decode steps", (System.nanoTime() - w0.wallNanos())
                    / 1e6, "ms", Double.NaN, "", w0);

            ttft(model, config.imageSize(), ttftRuns);
            vision(model, config.imageSize(), 1, visionReps);
            if (visionTiles > 1) {
                vision(model, config.imageSize(), visionTiles, 1);
            }
            generatePath(model, rnd, vocabText, decodeTokens);
            long kvBytes = longContext(llm, pool, text, rnd, vocabText, prefill, prefillReps, contexts,
                    decodeTokens);
            for (int batch : decodeBatches) {
                batchedDecode(llm, pool, text, rnd, vocabText, batch, decodeTokens);
            }
            // quantized weights live in memory of their own instead of the mapped file's pages
            var q = model.quantization();
            rss(weightBytes - q.storedBytes() + q.quantizedBytes(), kvBytes);
        }
        source.close();
    }

    // ------------------------------------------------------------------ stages

    /** Time to first token for a 448×448 image (one tile) and a short question, through InternVlModel.generate. */
    private void ttft(InternVlModel model, int size, int runs) throws IOException {
        byte[] png = testImage(size);
        // The benchmark's byte-level tokenizer spends one token per UTF-8 byte: the default (Chinese) system message
        // would add ~170 tokens where InternVL3's real tokenizer spends a few dozen. With an empty system message the
        // prompt (~320 tokens) is about as long as the real one, which is what the prefill part of TTFT depends on.
        GenerationRequest req = GenerationRequest.builder("Describe the image in detail.")
                .image(ImageInput.bytes(png))
                .systemMessage("")
                .options(GenerationOptions.greedy(1).withStopTokenIds(Set.of()))
                .build();
        for (int r = 1; r <= runs; r++) {
            HostLoad before = HostLoad.now();
            long[] first = new long[1];
            long start = System.nanoTime();
            GenerationResult res = model.generate(req, (id, t) -> {
                if (first[0] == 0) {
                    first[0] = System.nanoTime();
                }
            }, new CancelSignal());
            double ms = (first[0] - start) / 1e6;
            var tm = res.timings();
            int promptTokens = res.usage().promptTokens();
            double useful = cost.visionFlopsPerTile(size) + cost.prefillFlops(promptTokens);
            double fraction = useful / (ms / 1e3) / 1e9 / limit("fma");
            String note = String.format(Locale.ROOT, "%d prompt tokens (%d image); preprocess %.0f ms, vision %.0f ms,"
                            + " prefill %.0f ms%s", promptTokens, res.usage().imageTokens(), tm.preprocessMillis(),
                    tm.visionMillis(), tm.prefillMillis(), r == 1 ? "; first call in this JVM (vision path not yet "
                            + "compiled by the JIT)" : "");
            emit(r < runs ? "ttft_1tile_first_call" : "ttft_1tile", ms, "ms", fraction, note, before);
        }
    }

    private void vision(InternVlModel model, int size, int tiles, int maxReps) {
        float[] data = new float[tiles * 3 * size * size];
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (rnd.nextDouble() * 4 - 2); // the range of ImageNet-normalised pixels
        }
        PixelValues pixels = new PixelValues(tiles, size, data);
        double[] ms = new double[maxReps];
        HostLoad before = HostLoad.now();
        int reps = 0;
        while (reps < maxReps) {
            long t = System.nanoTime();
            float[] f = model.imageFeatures(pixels);
            ms[reps++] = (System.nanoTime() - t) / 1e6;
            check(f);
            // a repetition costs seconds to minutes: stop after 90 s
            if ((System.nanoTime() - before.wallNanos()) / 1e9 > 90) {
                break;
            }
        }
        double med = median(Arrays.copyOf(ms, reps));
        double fraction = cost.visionFlopsPerTile(size) * tiles / (med / 1e3) / 1e9 / limit("fma");
        String metric = tiles == 1 ? "vision_per_tile" : "vision_" + tiles + "_tiles";
        emit(metric, med, "ms", fraction, String.format(Locale.ROOT, "median of %d: %s ms; %.1f GFLOP per tile%s",
                reps, samples(ms, reps), cost.visionFlopsPerTile(size) / 1e9,
                tiles > 1 ? String.format(Locale.ROOT, "; %.0f ms per tile", med / tiles) : ""), before);
    }

    /** A 256-token prompt + 16 new tokens through InternVlModel.generate: the product path's prefill and decode. */
    private void generatePath(InternVlModel model, SplittableRandom rnd, int vocabText, int decodeTokens) {
        int n = CHUNK;
        int newTokens = Math.max(4, decodeTokens / 2) + 1;
        PreparedInput in = PreparedInput.of(randomIds(rnd, n, vocabText), null, model.imageTokenId());
        HostLoad before = HostLoad.now();
        GenerationResult r = model.generate(in, GenerationOptions.greedy(newTokens).withStopTokenIds(Set.of()),
                TokenListener.none(), new CancelSignal());
        var tm = r.timings();
        double prefillTps = n / (tm.prefillNanos() / 1e9);
        emit("generate_prefill_256", prefillTps, "tok/s", prefillFraction(n, prefillTps),
                String.format(Locale.ROOT, "InternVlModel.generate, prefill %.0f ms", tm.prefillMillis()), before);
        int steps = r.tokenIds().length - 1; // the first token comes from the prefill's logits
        double decodeTps = steps / (tm.decodeNanos() / 1e9);
        emit("generate_decode_ctx256", decodeTps, "tok/s", decodeFraction(decodeTps, 0),
                String.format(Locale.ROOT, "InternVlModel.generate, %d steps at positions %d..%d incl. sampling",
                        steps, n, n + steps - 1), before);
    }

    /**
     * One long prompt prefilled in 256-row chunks (as the engine does), timed per chunk: prefill at each requested
     * length is the time of the chunks up to it (the first chunk is repeated for a median). Then decode at the
     * longest context, and again after truncating the cache to each shorter one.
     *
     * @return bytes of the KV cache used
     */
    private long longContext(Qwen2Model llm, ComputePool pool, TextConfig text, SplittableRandom rnd, int vocabText,
                             int[] prefill, int prefillReps, int[] contexts, int decodeTokens) {
        int longest = Math.max(Arrays.stream(prefill).max().orElse(CHUNK), Arrays.stream(contexts).max().orElse(0));
        longest = (longest + CHUNK - 1) / CHUNK * CHUNK;
        KvCache cache = new KvCache(text, longest + decodeTokens + 1);
        DecoderWorkspace ws = new DecoderWorkspace(text, pool, CHUNK, 1, cache.capacity());
        int[] ids = randomIds(rnd, longest, vocabText);
        // the first chunk alone, repeated: prefill of a 256-token prompt
        double[] first = new double[prefillReps];
        HostLoad b0 = HostLoad.now();
        for (int r = 0; r < first.length; r++) {
            cache.truncate(0);
            long t = System.nanoTime();
            prefillChunk(llm, ws, cache, ids, 0, true);
            first[r] = (System.nanoTime() - t) / 1e9;
        }
        double firstMedian = median(first);
        HostLoad b1 = HostLoad.now();
        double cumulative = first[first.length - 1];
        List<double[]> atLength = new ArrayList<>(); // {length, seconds}
        atLength.add(new double[] {CHUNK, firstMedian});
        for (int start = CHUNK; start < longest; start += CHUNK) {
            long t = System.nanoTime();
            boolean reported = contains(prefill, start + CHUNK) || start + CHUNK == longest;
            prefillChunk(llm, ws, cache, ids, start, reported);
            cumulative += (System.nanoTime() - t) / 1e9;
            atLength.add(new double[] {start + CHUNK, cumulative});
        }
        check(ws.logits);
        for (int n : prefill) {
            double[] hit = atLength.stream().filter(a -> a[0] == n).findFirst().orElseThrow();
            double tps = n / hit[1];
            String note = n == CHUNK
                    ? String.format(Locale.ROOT, "median of %d: %s ms", first.length,
                            samples(scale(first, 1e3), first.length))
                    : String.format(Locale.ROOT, "%d chunks of %d, %.0f ms", n / CHUNK, CHUNK, hit[1] * 1e3);
            emit("prefill_" + n, tps, "tok/s", prefillFraction(n, tps), note, n == CHUNK ? b0 : b1);
        }
        if (!contains(prefill, longest)) {
            emit("prefill_" + longest, longest / cumulative, "tok/s", prefillFraction(longest, longest / cumulative),
                    "to reach the decode context", b1);
        }
        DecoderWorkspace one = new DecoderWorkspace(text, pool, 1, 1, cache.capacity());
        int[] ctx = contexts.clone();
        Arrays.sort(ctx);
        for (int i = ctx.length - 1; i >= 0; i--) {
            cache.truncate(ctx[i]);
            int token = argmax(ws.logits, text.vocabSize());
            double[] step = new double[decodeTokens];
            HostLoad before = HostLoad.now();
            for (int s = 0; s < decodeTokens; s++) {
                long t = System.nanoTime();
                token = decodeStep(llm, one, cache, token);
                step[s] = (System.nanoTime() - t) / 1e9;
            }
            check(one.logits);
            double tps = 1 / median(step);
            double mean = decodeTokens / Arrays.stream(step).sum();
            emit("decode_ctx" + ctx[i], tps, "tok/s", decodeFraction(tps, 0),
                    String.format(Locale.ROOT, "median of %d steps at positions %d..%d (mean %.1f tok/s); with KV "
                                    + "reads %.2f of bandwidth", decodeTokens, ctx[i], ctx[i] + decodeTokens - 1, mean,
                            decodeFraction(tps, ctx[i])), before);
        }
        return cache.byteSize();
    }

    private void rss(long weightBytes, long kvBytes) throws IOException {
        long hwm = 0;
        long rss = 0;
        long anon = 0;
        long file = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            String[] f = line.split("\\s+");
            switch (f[0]) {
                case "VmHWM:" -> hwm = Long.parseLong(f[1]) * 1024;
                case "VmRSS:" -> rss = Long.parseLong(f[1]) * 1024;
                case "RssAnon:" -> anon = Long.parseLong(f[1]) * 1024;
                case "RssFile:" -> file = Long.parseLong(f[1]) * 1024;
                default -> { }
            }
        }
        long budget = weightBytes + kvBytes + 300L * 1024 * 1024;
        Runtime rt = Runtime.getRuntime();
        long committed = rt.totalMemory();
        System.gc();
        long live = rt.totalMemory() - rt.freeMemory();
        emit("peak_rss", hwm / 1048576.0, "MiB", hwm / (double) budget, String.format(Locale.ROOT,
                "budget weights %.0f + KV %.0f + 300 MiB = %.0f MiB; at the end RSS %.0f MiB (file %.0f, anon %.0f),"
                        + " heap committed %.0f MiB (max %.0f), live after GC %.0f MiB", weightBytes / 1048576.0,
                kvBytes / 1048576.0, budget / 1048576.0, rss / 1048576.0, file / 1048576.0, anon / 1048576.0,
                committed / 1048576.0, rt.maxMemory() / 1048576.0, live / 1048576.0), null);
    }

    // ------------------------------------------------------------------ the engine's loops

    /**
     * Continuous batching's decode step ({@code DecodeBatch}): {@code batch} sequences, each with its own 256-token
     * context, advanced together by one forward pass of {@code batch} rows per step, so the weights are read once
     * for all of them. Reports the total tokens/s and, as the fraction, the weight bytes read per step × steps/s ÷
     * bandwidth.
     */
    private void batchedDecode(Qwen2Model llm, ComputePool pool, TextConfig text, SplittableRandom rnd, int vocabText,
                               int batch, int decodeTokens) {
        KvCache[] caches = new KvCache[batch];
        DecoderWorkspace ws = new DecoderWorkspace(text, pool, CHUNK, 1, CHUNK + decodeTokens + 1);
        int[] token = new int[batch];
        for (int b = 0; b < batch; b++) {
            caches[b] = new KvCache(text, CHUNK + decodeTokens + 1);
            prefillChunk(llm, ws, caches[b], randomIds(rnd, CHUNK, vocabText), 0, true);
            token[b] = argmax(ws.logits, text.vocabSize());
        }
        DecoderWorkspace rows = new DecoderWorkspace(text, pool, batch, batch, CHUNK + decodeTokens + 1);
        int d = text.hiddenSize();
        int vocab = text.vocabSize();
        double[] step = new double[decodeTokens];
        HostLoad before = HostLoad.now();
        for (int s = 0; s < decodeTokens; s++) {
            long t = System.nanoTime();
            for (int b = 0; b < batch; b++) {
                llm.embed(token[b], rows.input, b * d);
                rows.cache[b] = caches[b];
                rows.position[b] = caches[b].length();
                rows.logitRows[b] = b;
            }
            rows.rows = batch;
            rows.logitCount = batch;
            llm.forward(rows);
            for (int b = 0; b < batch; b++) {
                int best = b * vocab;
                for (int i = b * vocab + 1; i < (b + 1) * vocab; i++) {
                    if (rows.logits[i] > rows.logits[best]) {
                        best = i;
                    }
                }
                token[b] = best - b * vocab;
            }
            step[s] = (System.nanoTime() - t) / 1e9;
        }
        check(rows.logits);
        double stepsPerSecond = 1 / median(step);
        emit("decode_batch" + batch + "_ctx" + CHUNK, batch * stepsPerSecond, "tok/s", decodeFraction(stepsPerSecond, 0),
                String.format(Locale.ROOT, "%d sequences, one %d-row forward per step, median of %d steps: %.1f "
                        + "steps/s; total tokens/s over all sequences", batch, batch, decodeTokens, stepsPerSecond),
                before);
    }

    private static void prefillChunk(Qwen2Model llm, DecoderWorkspace ws, KvCache cache, int[] ids, int start,
                                     boolean logits) {
        int d = llm.config().hiddenSize();
        int rows = Math.min(ws.maxRows, ids.length - start);
        for (int r = 0; r < rows; r++) {
            llm.embed(ids[start + r], ws.input, r * d);
            ws.cache[r] = cache;
            ws.position[r] = start + r;
        }
        ws.rows = rows;
        ws.logitCount = logits ? 1 : 0;
        ws.logitRows[0] = rows - 1;
        llm.forward(ws);
    }

    private static int decodeStep(Qwen2Model llm, DecoderWorkspace one, KvCache cache, int token) {
        llm.embed(token, one.input, 0);
        one.rows = 1;
        one.cache[0] = cache;
        one.position[0] = cache.length();
        one.logitRows[0] = 0;
        one.logitCount = 1;
        llm.forward(one);
        return argmax(one.logits, llm.config().vocabSize());
    }

    private static int argmax(float[] logits, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    // ------------------------------------------------------------------ fractions and output

    private double limit(String kind) {
        return Double.parseDouble(limits.getProperty(kind + "." + threads));
    }

    private double prefillFraction(int n, double tokensPerSecond) {
        return cost.prefillFlops(n) / n * tokensPerSecond / 1e9 / limit("fma");
    }

    private double decodeFraction(double tokensPerSecond, int kvContext) {
        double bytes = cost.decodeWeightBytes() + cost.decodeKvBytes(kvContext);
        return bytes * tokensPerSecond / 1e9 / limit("bandwidth");
    }

    private void emit(String metric, double value, String unit, double fraction, String note, HostLoad since) {
        HostLoad now = HostLoad.now();
        double foreign = since == null ? Double.NaN : now.foreignSince(since);
        double share = since == null ? Double.NaN : now.cpuShareSince(since, threads);
        System.out.printf(Locale.ROOT, "%-26s %10.1f %-6s %s %s  %s%n", metric, value, unit,
                Double.isNaN(fraction) ? "           " : String.format(Locale.ROOT, "limit %.3f", fraction),
                since == null ? "" : String.format(Locale.ROOT, "[foreign %.2f, cpu %.2f]", foreign, share), note);
        tsv.printf(Locale.ROOT, "%s\t%s\t%d\t%s\t%.3f\t%s\t%s\t%s\t%s\t%s%n", label, dtype, threads, metric, value,
                unit, Double.isNaN(fraction) ? "" : String.format(Locale.ROOT, "%.4f", fraction),
                Double.isNaN(foreign) ? "" : String.format(Locale.ROOT, "%.2f", foreign),
                Double.isNaN(share) ? "" : String.format(Locale.ROOT, "%.2f", share), note);
        tsv.flush();
    }

    // ------------------------------------------------------------------ helpers

    /** Lets the model and this benchmark share one mapping; the benchmark closes it. */
    private record SharedSource(WeightSource inner) implements WeightSource {
        @Override
        public String description() {
            return inner.description();
        }

        @Override
        public Optional<StoredTensor> find(String canonicalName) {
            return inner.find(canonicalName);
        }

        @Override
        public Set<String> canonicalNames() {
            return inner.canonicalNames();
        }

        @Override
        public void close() {
        }
    }

    private static byte[] testImage(int size) throws IOException {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        SplittableRandom rnd = new SplittableRandom(3);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                img.setRGB(x, y, (x * 255 / size) << 16 | (y * 255 / size) << 8 | rnd.nextInt(256));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private static int[] randomIds(SplittableRandom rnd, int n, int limit) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rnd.nextInt(limit);
        }
        return ids;
    }

    private static void check(float[] values) {
        for (int i = 0; i < Math.min(values.length, 4096); i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalStateException("non-finite output: the random weights are badly scaled");
            }
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double[] scale(double[] v, double f) {
        return Arrays.stream(v).map(x -> x * f).toArray();
    }

    private static String samples(double[] v, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", v[i]));
        }
        return b.toString();
    }

    private static boolean contains(int[] a, int v) {
        return Arrays.stream(a).anyMatch(x -> x == v);
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
