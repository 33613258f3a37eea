package dev.vlmesh.engine.convert;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.convert.ConversionException.Reason;
import dev.vlmesh.engine.convert.ConversionPlan.PlannedTensor;
import dev.vlmesh.engine.convert.ConversionPlan.Shard;
import dev.vlmesh.engine.convert.ConversionPlan.Stage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HuggingFace InternVL3 checkpoint → MindSpeed-MM layout.
 *
 * <p>Output ({@code out}):
 * <pre>
 * latest_checkpointed_iteration.txt          "release"
 * release/mp_rank_TT[_PPP]/model.safetensors  (+ model_optim_rng.pt with torch format)
 * config.json, tokenizer files, …             copied from the source (never code, never weights)
 * manifest.json                               written last
 * </pre>
 * The checkpoint is built in {@code out.partial/} and renamed to {@code out} when complete, so {@code out} never
 * exists half-written. Each finished shard leaves a record (its files' sizes and SHA-256) in
 * {@code out.partial/.progress/}; a conversion restarted after a crash or kill re-checks those and rewrites only
 * the shards whose files are missing or whose checksums are wrong.
 */
public final class HfToMm {
    public static final String CONVERTER_VERSION = "vlmesh-convert 1.0";
    public static final String ITERATION_FILE = "latest_checkpointed_iteration.txt";
    public static final String RELEASE = "release";
    public static final String SAFETENSORS = "model.safetensors";
    public static final String TORCH = "model_optim_rng.pt";
    static final String PROGRESS_DIR = ".progress";
    /** The source's {@code model.safetensors.index.json}, kept so the reverse conversion can restore it exactly. */
    public static final String SOURCE_INDEX_COPY = "source.safetensors.index.json";
    static final Map<String, String> SHARD_METADATA = Map.of("format", "pt");

    /**
     * @param sourceDigest           digest of the source if the caller already has it (e.g. hashed while
     *                               downloading), else null and it is computed alongside the conversion
     * @param throttleBytesPerSecond 0 for no limit
     * @param forceZip64             write ZIP64 records in torch files even when not needed (tests)
     */
    public record Options(ParallelSpec spec, boolean torchFormat, SourceDigest sourceDigest,
                          long throttleBytesPerSecond, boolean forceZip64, ProgressListener progress) {
        public Options {
            progress = progress == null ? ProgressListener.NONE : progress;
        }

        public static Options of(ParallelSpec spec) {
            return new Options(spec, false, null, 0, false, null);
        }

        public Options withTorchFormat(boolean torch) {
            return new Options(spec, torch, sourceDigest, throttleBytesPerSecond, forceZip64, progress);
        }

        public Options withSourceDigest(SourceDigest d) {
            return new Options(spec, torchFormat, d, throttleBytesPerSecond, forceZip64, progress);
        }

        public Options withThrottle(long bytesPerSecond) {
            return new Options(spec, torchFormat, sourceDigest, bytesPerSecond, forceZip64, progress);
        }

        public Options withProgress(ProgressListener p) {
            return new Options(spec, torchFormat, sourceDigest, throttleBytesPerSecond, forceZip64, p);
        }

        public Options withForceZip64(boolean z) {
            return new Options(spec, torchFormat, sourceDigest, throttleBytesPerSecond, z, progress);
        }

        String outputFormat() {
            return torchFormat ? "torch" : "safetensors";
        }
    }

    /**
     * @param reused        the output already held this conversion (same source digest, config and format)
     * @param shardsSkipped shards found complete from an interrupted earlier run
     */
    public record Result(Path dir, Manifest manifest, boolean reused, int shardsWritten, int shardsSkipped,
                         long bytesWritten) {
    }

    private HfToMm() {
    }

    public static Result convert(Path source, Path out, Options o) throws ConversionException {
        try (SourceCheckpoint src = SourceCheckpoint.open(source)) {
            return convert(src, out, o);
        }
    }

    public static Result convert(SourceCheckpoint src, Path out, Options o) throws ConversionException {
        ParallelSpec spec = o.spec() != null ? o.spec() : ParallelSpec.single(src.config());
        o.progress().update("planning", 0, 0, 0, 0);
        ConversionPlan plan = ConversionPlan.of(src, spec);
        try {
            return new Run(src, plan, out, o).run();
        } catch (ConversionException e) {
            throw e;
        } catch (IOException e) {
            throw new ConversionException(Reason.IO_ERROR, "writing " + out + " failed: " + e.getMessage(), e);
        }
    }

    /** The staging directory a conversion into {@code out} uses. */
    public static Path stagingDir(Path out) {
        return out.resolveSibling(out.getFileName() + ".partial");
    }

    private static final class Run {
        final SourceCheckpoint src;
        final ConversionPlan plan;
        final Path out;
        final Path staging;
        final Options o;
        final String planDigest;
        final int shardsTotal;
        final long bytesTotal;

        Run(SourceCheckpoint src, ConversionPlan plan, Path out, Options o) throws IOException {
            this.src = src;
            this.plan = plan;
            this.out = out.toAbsolutePath().normalize();
            this.staging = stagingDir(this.out);
            this.o = o;
            this.planDigest = planDigest(src, plan, o);
            this.shardsTotal = plan.shards().size();
            this.bytesTotal = plan.dataBytes();
        }

        Result run() throws IOException {
            if (Files.exists(out)) {
                return reuse();
            }
            Files.createDirectories(staging);
            // One sequential pass before converting rather than a second reader competing for the disk during it;
            // callers that hashed the files already (the service, while downloading) pass the digest in.
            SourceDigest digest;
            if (o.sourceDigest() != null) {
                digest = o.sourceDigest();
            } else {
                o.progress().update("hashing", 0, shardsTotal, 0, bytesTotal);
                digest = SourceDigest.compute(src.dir(), src.allFiles());
            }
            {
                Manifest finished = finishedManifest();
                int written = 0;
                int skipped = 0;
                AtomicLong bytes = new AtomicLong();
                if (finished == null) {
                    int[] done = {0};
                    TensorStreamer streamer = new TensorStreamer(TensorStreamer.DEFAULT_STAGING,
                            o.throttleBytesPerSecond(), n -> {
                                long b = bytes.addAndGet(n);
                                o.progress().update("writing", done[0], shardsTotal, b, bytesTotal);
                            });
                    List<Manifest.Shard> shardEntries = new ArrayList<>();
                    for (Stage stage : plan.stages()) {
                        List<Shard> todo = new ArrayList<>();
                        for (Shard s : stage.shards()) {
                            if (completed(s) != null) {
                                skipped++;
                                done[0]++;
                                bytes.addAndGet(s.dataBytes());
                            } else {
                                todo.add(s);
                            }
                        }
                        if (!todo.isEmpty()) {
                            writeStage(stage, todo, streamer);
                            written += todo.size();
                            done[0] += todo.size();
                        }
                        o.progress().update("writing", done[0], shardsTotal, bytes.get(), bytesTotal);
                        for (Shard s : stage.shards()) {
                            shardEntries.add(shardEntry(s, completedOrFail(s)));
                        }
                    }
                    o.progress().update("finishing", shardsTotal, shardsTotal, bytesTotal, bytesTotal);
                    Fsync.writeAtomically(staging.resolve(ITERATION_FILE), RELEASE.getBytes(StandardCharsets.US_ASCII));
                    List<FileDigest> side = copySideFiles();
                    finished = manifest(digest, shardEntries, side);
                    Fsync.writeAtomically(staging.resolve(Manifest.FILE), finished.toJson());
                }
                Fsync.deleteTree(staging.resolve(PROGRESS_DIR));
                Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
                Fsync.directory(out.getParent());
                o.progress().update("done", shardsTotal, shardsTotal, bytesTotal, bytesTotal);
                return new Result(out, finished, false, written, skipped, bytes.get());
            }
        }

        /** The output exists: fine if it is this very conversion, an error otherwise. */
        private Result reuse() throws IOException {
            Path m = out.resolve(Manifest.FILE);
            if (!Files.isRegularFile(m)) {
                throw new ConversionException(Reason.VERIFICATION_FAILED, out + " exists but is not a completed "
                        + "conversion (no " + Manifest.FILE + "); remove it or choose another output directory");
            }
            Manifest existing = Manifest.read(m);
            SourceDigest sd = o.sourceDigest() != null ? o.sourceDigest()
                    : SourceDigest.compute(src.dir(), src.allFiles());
            boolean same = existing.source().digest().equals(sd.digest())
                    && existing.parallel().spec().canonical().equals(plan.spec().canonical())
                    && existing.parallel().outputFormat().equals(o.outputFormat())
                    && existing.converterVersion().equals(CONVERTER_VERSION);
            if (!same) {
                throw new ConversionException(Reason.VERIFICATION_FAILED, out + " already holds another conversion ("
                        + existing.source().digest() + ", " + existing.parallel().spec().canonical()
                        + "); choose another output directory");
            }
            return new Result(out, existing, true, 0, 0, 0);
        }

        /** A manifest left by a run that was stopped between writing it and the final rename. */
        private Manifest finishedManifest() throws ConversionException {
            Path m = staging.resolve(Manifest.FILE);
            if (!Files.isRegularFile(m)) {
                return null;
            }
            Manifest found = Manifest.read(m);
            return planDigest.equals(found.planDigest()) ? found : null;
        }

        private void writeStage(Stage stage, List<Shard> shards, TensorStreamer streamer) throws IOException {
            List<List<ShardOutput>> outputs = new ArrayList<>();
            try {
                for (Shard s : shards) {
                    outputs.add(open(s));
                }
                int n = stage.shards().getFirst().tensors().size();
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < shards.size(); k++) {
                        PlannedTensor t = shards.get(k).tensors().get(i);
                        for (ShardOutput out : outputs.get(k)) {
                            out.beginTensor(i);
                        }
                        streamer.write(t.data().view(), outputs.get(k));
                        for (ShardOutput out : outputs.get(k)) {
                            out.endTensor();
                        }
                    }
                    if (i % 16 == 15 || i == n - 1) {
                        // release source pages of finished tensors once their bytes are hashed everywhere
                        streamer.drain();
                        for (int j = i - (i % 16); j <= i; j++) {
                            for (Shard s : stage.shards()) {
                                TensorStreamer.release(s.tensors().get(j).data().view());
                            }
                        }
                    }
                }
                streamer.drain();
                for (int k = 0; k < shards.size(); k++) {
                    List<FileDigest> files = new ArrayList<>();
                    for (ShardOutput out : outputs.get(k)) {
                        files.add(out.finish());
                    }
                    recordDone(shards.get(k), files);
                }
            } finally {
                outputs.forEach(l -> l.forEach(ShardOutput::close));
            }
        }

        private List<ShardOutput> open(Shard s) throws IOException {
            String dir = RELEASE + "/" + s.dir() + "/";
            List<ShardOutput> outs = new ArrayList<>();
            try {
                outs.add(SafetensorsShardWriter.create(staging, dir + SAFETENSORS, s.tensors().stream()
                        .map(t -> new SafetensorsShardWriter.Entry(t.name(), t.data().dtype(), t.data().shape()))
                        .toList(), SHARD_METADATA));
                if (o.torchFormat()) {
                    outs.add(TorchShardWriter.create(staging, dir + TORCH, torchDicts(s, plan.spec().vpp()),
                            serialId(s), o.forceZip64()));
                }
            } catch (IOException | RuntimeException e) {
                outs.forEach(ShardOutput::close);
                throw e;
            }
            return outs;
        }

        private String serialId(Shard s) {
            String h = sha256Hex(planDigest + s.dir());
            StringBuilder digits = new StringBuilder();
            for (char c : h.toCharArray()) {
                digits.append(Character.digit(c, 16) % 10);
            }
            return digits.substring(0, 40);
        }

        private Path record(Shard s) {
            return staging.resolve(PROGRESS_DIR).resolve(s.dir() + ".json");
        }

        private void recordDone(Shard s, List<FileDigest> files) throws IOException {
            var node = Manifest.json().createObjectNode();
            node.put("planDigest", planDigest);
            node.set("files", Manifest.json().valueToTree(files));
            Fsync.writeAtomically(record(s), Manifest.json().writeValueAsBytes(node));
        }

        /** The files of a shard finished by this or an earlier run, if the record and every checksum agree. */
        private List<FileDigest> completed(Shard s) throws IOException {
            Path r = record(s);
            if (!Files.isRegularFile(r)) {
                return null;
            }
            List<FileDigest> files;
            try {
                JsonNode node = Manifest.json().readTree(Files.readAllBytes(r));
                if (!planDigest.equals(node.path("planDigest").asText())) {
                    return null;
                }
                files = List.of(Manifest.json().treeToValue(node.get("files"), FileDigest[].class));
            } catch (IOException | RuntimeException e) {
                return null; // an unreadable record is the same as none
            }
            if (files.size() != (o.torchFormat() ? 2 : 1)) {
                return null;
            }
            for (FileDigest f : files) {
                Path p = staging.resolve(f.path());
                if (!Files.isRegularFile(p) || Files.size(p) != f.size()
                        || !Verifier.sha256(p).equals(f.sha256())) {
                    return null;
                }
            }
            return files;
        }

        private List<FileDigest> completedOrFail(Shard s) throws IOException {
            Path r = record(s);
            JsonNode node = Manifest.json().readTree(Files.readAllBytes(r));
            return List.of(Manifest.json().treeToValue(node.get("files"), FileDigest[].class));
        }

        private List<FileDigest> copySideFiles() throws IOException {
            List<FileDigest> out = new ArrayList<>();
            List<String[]> copies = new ArrayList<>();
            src.sideFiles().forEach(n -> copies.add(new String[] {n, n}));
            if (src.indexed()) {
                copies.add(new String[] {SourceCheckpoint.INDEX_FILE, SOURCE_INDEX_COPY});
            }
            for (String[] c : copies) {
                byte[] data = Files.readAllBytes(src.dir().resolve(c[0]));
                Fsync.writeAtomically(staging.resolve(c[1]), data);
                out.add(new FileDigest(c[1], data.length, sha256Hex(data)));
            }
            return out;
        }

        private Manifest manifest(SourceDigest sd, List<Manifest.Shard> shards, List<FileDigest> side)
                throws IOException {
            List<FileDigest> files = new ArrayList<>();
            files.add(new FileDigest(ITERATION_FILE, RELEASE.length(),
                    sha256Hex(RELEASE.getBytes(StandardCharsets.US_ASCII))));
            shards.forEach(s -> files.addAll(s.files()));
            files.addAll(side);
            files.sort(Comparator.comparing(FileDigest::path));
            ModelConfig c = plan.config();
            ParallelSpec spec = plan.spec();
            Manifest.Source source = new Manifest.Source(sd.digest(), c.layout().name().toLowerCase(Locale.ROOT),
                    src.indexed(), src.weightFiles().stream()
                    .map(w -> new Manifest.WeightFile(w.name(), w.tensors(), w.metadata())).toList(), sd.files());
            return new Manifest(Manifest.FORMAT, Manifest.FORMAT_VERSION, Manifest.LAYOUT, CONVERTER_VERSION,
                    RELEASE, Manifest.TENSOR_NAMING, planDigest, source,
                    new Manifest.Parallel(spec.tp(), spec.pp(), spec.vpp(), spec.llmPpLayers(), spec.vitPpLayers(),
                            o.outputFormat()),
                    new Manifest.Model(c.text().architecture(), c.text().layers(), c.text().hiddenSize(),
                            c.text().heads(), c.text().kvHeads(), c.text().vocabSize(), c.vision().layers(),
                            c.vision().hiddenSize(), c.vision().heads(), c.text().tieWordEmbeddings()),
                    shards, files);
        }
    }

    static Manifest.Shard shardEntry(Shard s, List<FileDigest> files) {
        return new Manifest.Shard(s.dir(), s.tpRank(), s.ppRank(), files, s.tensors().stream()
                .map(t -> new Manifest.Tensor(t.name(), t.data().dtype(), t.data().shape())).toList());
    }

    /** The torch state dicts of a shard: {@code model}, or {@code model0}, {@code model1}, … with virtual pipelining. */
    static List<TorchPickle.StateDict> torchDicts(Shard s, int vpp) {
        if (vpp == 1) {
            return List.of(new TorchPickle.StateDict("model", s.tensors().stream()
                    .map(t -> new TorchPickle.Tensor(t.name(), t.data().dtype(), t.data().shape())).toList()));
        }
        List<TorchPickle.StateDict> dicts = new ArrayList<>();
        for (int v = 0; v < vpp; v++) {
            String prefix = "model" + v + ".";
            dicts.add(new TorchPickle.StateDict("model" + v, s.tensors().stream()
                    .filter(t -> t.name().startsWith(prefix))
                    .map(t -> new TorchPickle.Tensor(t.name().substring(prefix.length()), t.data().dtype(),
                            t.data().shape())).toList()));
        }
        return dicts;
    }

    /**
     * Identifies exactly what is being written: converter, source (its digest if known, else names, sizes and
     * modification times), parallel config, output format and every planned tensor. Shards recorded under another
     * plan digest are never reused.
     */
    static String planDigest(SourceCheckpoint src, ConversionPlan plan, Options o) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append(CONVERTER_VERSION).append('\n').append(plan.spec().canonical()).append('\n')
                .append(o.outputFormat()).append(o.forceZip64() ? " zip64" : "").append('\n');
        if (o.sourceDigest() != null) {
            b.append(o.sourceDigest().digest()).append('\n');
        } else {
            for (String f : src.allFiles()) {
                Path p = src.dir().resolve(f);
                b.append(f).append(' ').append(Files.size(p)).append(' ')
                        .append(Files.getLastModifiedTime(p).toMillis()).append('\n');
            }
        }
        for (Shard s : plan.shards()) {
            b.append(s.dir()).append('\n');
            for (PlannedTensor t : s.tensors()) {
                b.append(t.name()).append(' ').append(t.data()).append('\n');
            }
        }
        return "sha256:" + sha256Hex(b.toString());
    }

    static String sha256Hex(String s) {
        return sha256Hex(s.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256Hex(byte[] data) {
        MessageDigest sha = HashingFile.sha256();
        return HexFormat.of().formatHex(sha.digest(data));
    }

}
