package dev.vlmesh.engine.convert;

import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.checkpoint.StoredTensor;
import dev.vlmesh.engine.checkpoint.WeightSource;
import dev.vlmesh.engine.convert.ConversionException.Reason;
import dev.vlmesh.engine.convert.MmTensorRule.CanonicalPart;
import dev.vlmesh.engine.safetensors.SafetensorsEntry;
import dev.vlmesh.engine.safetensors.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A MindSpeed-MM checkpoint in safetensors form (as {@link HfToMm} writes it) opened as one model: every pipeline
 * and tensor-parallel shard memory-mapped, merged and un-fused back to the engine's canonical tensors. The parallel
 * layout is read from the shards themselves (shard directories, {@code model<chunk>.} prefixes, layer numbers) and
 * cross-checked with {@code manifest.json} when there is one. Every expected tensor must be present with the shape
 * its split implies, and nothing else may be. Only {@code model.safetensors} is read; a shard holding nothing but a
 * pickled {@code model_optim_rng.pt} is refused.
 *
 * <p>As a {@link WeightSource}, tensors that are one contiguous run of a shard are returned as zero-copy views; merged
 * or un-fused ones (TP column splits, the LLM's interleaved QKV) are assembled once into off-heap memory owned by
 * this object.
 */
public final class MindSpeedCheckpoint implements WeightSource {
    private static final Pattern SHARD_DIR = Pattern.compile("mp_rank_(\\d{2})(?:_(\\d{3}))?(?:_(\\d{3}))?");
    private static final Pattern CHUNK = Pattern.compile("model(\\d+)\\.(.+)");
    private static final Pattern ITERATION = Pattern.compile("release|\\d{1,12}");

    private final Path dir;
    private final ModelConfig config;
    private final ParallelSpec spec;
    private final Manifest manifest;
    private final Arena mapped;
    private final Arena assembled = Arena.ofShared();
    private final Map<String, TensorData> canonical;
    private final Map<String, String> origin;
    private final Map<String, List<ShardTensor>> replicas;
    private final Map<String, Map<String, ShardTensor>> shards;
    private final Map<String, StoredTensor> materialized = new ConcurrentHashMap<>();

    /** A tensor as one shard stores it. */
    public record ShardTensor(String shardDir, Path file, String name, TensorData data) {
    }

    private MindSpeedCheckpoint(Path dir, ModelConfig config, ParallelSpec spec, Manifest manifest, Arena mapped,
                                Map<String, TensorData> canonical, Map<String, String> origin,
                                Map<String, List<ShardTensor>> replicas,
                                Map<String, Map<String, ShardTensor>> shards) {
        this.dir = dir;
        this.config = config;
        this.spec = spec;
        this.manifest = manifest;
        this.mapped = mapped;
        this.canonical = canonical;
        this.origin = origin;
        this.replicas = replicas;
        this.shards = shards;
    }

    /** Whether {@code dir} holds a MindSpeed-MM checkpoint (it has the iteration marker file). */
    public static boolean isMindSpeedLayout(Path dir) {
        return Files.isRegularFile(dir.resolve(HfToMm.ITERATION_FILE));
    }

    /** Opens {@code dir}, reading the model config from its {@code config.json}. */
    public static MindSpeedCheckpoint open(Path dir) throws ConversionException {
        return open(dir, SourceCheckpoint.readConfig(dir));
    }

    public static MindSpeedCheckpoint open(Path dir, ModelConfig config) throws ConversionException {
        Path manifestFile = dir.resolve(Manifest.FILE);
        Manifest manifest = Files.isRegularFile(manifestFile) ? Manifest.read(manifestFile) : null;
        Path iterDir = iterationDir(dir);
        Map<Integer, Map<Integer, Path>> shardFiles = shardFiles(iterDir); // pp -> tp -> file
        int pp = shardFiles.size();
        int tp = shardFiles.values().iterator().next().size();
        Arena arena = Arena.ofShared();
        try {
            Map<String, ShardTensor>[][] byName = openShards(shardFiles, tp, pp, arena);
            ParallelSpec spec = inferSpec(byName, tp, pp, config);
            if (manifest != null && !manifest.parallel().spec().canonical().equals(spec.canonical())) {
                throw new ConversionException(Reason.CORRUPT_FILE, dir + ": the shards hold " + spec.canonical()
                        + " but manifest.json says " + manifest.parallel().spec().canonical());
            }
            spec.validate(config);
            Map<String, TensorData> canonical = new LinkedHashMap<>();
            Map<String, String> origin = new LinkedHashMap<>();
            Map<String, List<ShardTensor>> replicas = new LinkedHashMap<>();
            Set<String> used = new HashSet<>();
            PipelineLayout layout = new PipelineLayout(spec);
            for (MmTensorRule rule : MindSpeedRules.of(config, spec)) {
                PipelineLayout.Placement at = layout.place(rule);
                String stored = PipelineLayout.storedName(at.localName(), at.chunk(), spec.vpp());
                long[] full = rule.fullShape();
                List<ShardTensor> parts = new ArrayList<>();
                for (int r = 0; r < tp; r++) {
                    ShardTensor t = byName[at.ppRank()][r].get(stored);
                    String shard = PipelineLayout.shardDir(r, at.ppRank(), pp);
                    if (t == null) {
                        throw new ConversionException(Reason.MISSING_TENSOR, dir + ": shard " + shard
                                + " has no tensor '" + stored + "' (" + rule.name() + ")");
                    }
                    long[] expected = rule.split().sliceShape(full, r, tp);
                    if (!Arrays.equals(t.data().shape(), expected)) {
                        throw new ConversionException(Reason.SHAPE_MISMATCH, dir + ": shard " + shard + " tensor '"
                                + stored + "' has shape " + t.data().shapeString() + ", expected "
                                + Arrays.toString(expected) + " (" + rule.split() + " split of "
                                + Arrays.toString(full) + ")");
                    }
                    if (!t.data().dtype().equals(parts.isEmpty() ? t.data().dtype() : parts.getFirst().data().dtype())) {
                        throw new ConversionException(Reason.SHAPE_MISMATCH, dir + ": tensor '" + stored
                                + "' has different dtypes on different tensor-parallel ranks");
                    }
                    parts.add(t);
                    used.add(at.ppRank() + "/" + r + "/" + stored);
                }
                TensorData merged = rule.split().merge(parts.stream().map(ShardTensor::data).toList());
                List<TensorData> unfused = rule.fusion().unfuse(merged);
                for (int i = 0; i < unfused.size(); i++) {
                    CanonicalPart cp = rule.parts().get(i);
                    canonical.put(cp.name(), unfused.get(i));
                    origin.put(cp.name(), "'" + stored + "' of " + PipelineLayout.shardDir(0, at.ppRank(), pp)
                            + (tp > 1 ? " (+" + (tp - 1) + " TP ranks)" : ""));
                }
                if (rule.split().kind() == Split.Kind.REPLICATED && tp > 1) {
                    replicas.put(stored + "@" + at.ppRank(), parts);
                }
            }
            for (int p = 0; p < pp; p++) {
                for (int r = 0; r < tp; r++) {
                    for (String name : byName[p][r].keySet()) {
                        if (!used.contains(p + "/" + r + "/" + name)) {
                            throw new ConversionException(Reason.CORRUPT_FILE, dir + ": shard "
                                    + PipelineLayout.shardDir(r, p, pp) + " holds tensor '" + name
                                    + "', which has no place in this model");
                        }
                    }
                }
            }
            Map<String, Map<String, ShardTensor>> shards = new LinkedHashMap<>();
            for (int p = 0; p < pp; p++) {
                for (int r = 0; r < tp; r++) {
                    shards.put(PipelineLayout.shardDir(r, p, pp), byName[p][r]);
                }
            }
            return new MindSpeedCheckpoint(dir, config, spec, manifest, arena, Collections.unmodifiableMap(canonical),
                    origin, replicas, shards);
        } catch (ConversionException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Path iterationDir(Path dir) throws ConversionException {
        Path tracker = dir.resolve(HfToMm.ITERATION_FILE);
        String it;
        try {
            it = Files.readString(tracker, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, dir + " is not a MindSpeed-MM checkpoint (no "
                    + HfToMm.ITERATION_FILE + ")", e);
        }
        if (!ITERATION.matcher(it).matches()) {
            throw new ConversionException(Reason.CORRUPT_FILE, tracker + " holds '" + it
                    + "', expected 'release' or an iteration number");
        }
        Path iter = dir.resolve(it.equals("release") ? "release" : String.format("iter_%07d", Long.parseLong(it)));
        if (!Files.isDirectory(iter, LinkOption.NOFOLLOW_LINKS)) {
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, dir + ": " + iter.getFileName() + " is missing");
        }
        return iter;
    }

    private static Map<Integer, Map<Integer, Path>> shardFiles(Path iterDir) throws ConversionException {
        Map<Integer, Map<Integer, Path>> out = new TreeMap<>();
        Boolean withPp = null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(iterDir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                Matcher m = SHARD_DIR.matcher(name);
                if (!m.matches() || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (m.group(3) != null) {
                    throw new ConversionException(Reason.UNSUPPORTED_FORMAT, p + ": expert-parallel shards are not "
                            + "supported (InternVL3 has no experts)");
                }
                boolean hasPp = m.group(2) != null;
                if (withPp != null && withPp != hasPp) {
                    throw new ConversionException(Reason.CORRUPT_FILE, iterDir + " mixes shard directories with and"
                            + " without a pipeline rank");
                }
                withPp = hasPp;
                Path st = p.resolve(HfToMm.SAFETENSORS);
                if (!Files.isRegularFile(st, LinkOption.NOFOLLOW_LINKS)) {
                    boolean pickle = Files.exists(p.resolve(HfToMm.TORCH));
                    throw new ConversionException(pickle ? Reason.UNSUPPORTED_FORMAT : Reason.MISSING_TENSOR, p
                            + (pickle ? " holds only a pickled " + HfToMm.TORCH + "; pickles are never loaded "
                            + "(they can execute code). Convert the HuggingFace checkpoint with vlmesh instead."
                            : " has no " + HfToMm.SAFETENSORS));
                }
                int tp = Integer.parseInt(m.group(1));
                int pp = hasPp ? Integer.parseInt(m.group(2)) : 0;
                out.computeIfAbsent(pp, k -> new TreeMap<>()).put(tp, st);
            }
        } catch (ConversionException e) {
            throw e;
        } catch (IOException e) {
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, iterDir + ": cannot list: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, iterDir + " holds no mp_rank_* shard directories");
        }
        int pp = out.size();
        int tp = out.values().iterator().next().size();
        for (int p = 0; p < pp; p++) {
            Map<Integer, Path> ranks = out.get(p);
            if (ranks == null || ranks.size() != tp || !ranks.containsKey(0) || !ranks.containsKey(tp - 1)) {
                throw new ConversionException(Reason.MISSING_TENSOR, iterDir + ": shards are not a full " + tp
                        + " (TP) x " + pp + " (PP) grid; pipeline rank " + p + " has tensor ranks "
                        + (ranks == null ? "[]" : ranks.keySet()));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ShardTensor>[][] openShards(Map<Integer, Map<Integer, Path>> files, int tp, int pp,
                                                           Arena arena) throws ConversionException {
        Map<String, ShardTensor>[][] out = new Map[pp][tp];
        for (int p = 0; p < pp; p++) {
            for (int r = 0; r < tp; r++) {
                Path f = files.get(p).get(r);
                SafetensorsFile st;
                try {
                    st = SafetensorsFile.open(f, arena);
                } catch (IOException e) {
                    throw new ConversionException(Reason.CORRUPT_FILE, e.getMessage(), e);
                }
                Map<String, ShardTensor> m = new LinkedHashMap<>();
                String shard = PipelineLayout.shardDir(r, p, pp);
                for (SafetensorsEntry e : st.entries().values()) {
                    if (!Dtypes.isFloat(e.dtype())) {
                        throw new ConversionException(Reason.UNSUPPORTED_FORMAT, f + ": tensor '" + e.name()
                                + "' has dtype " + e.dtype());
                    }
                    m.put(e.name(), new ShardTensor(shard, f, e.name(), TensorData.of(e.dtype(), e.shape(),
                            st.data(e))));
                }
                out[p][r] = m;
            }
        }
        return out;
    }

    /** Layer counts per (chunk, stage) from the layer numbers each shard holds (tensor rank 0). */
    private static ParallelSpec inferSpec(Map<String, ShardTensor>[][] byName, int tp, int pp, ModelConfig config)
            throws ConversionException {
        int vpp = 1;
        boolean anyChunk = false;
        boolean anyPlain = false;
        for (Map<String, ShardTensor>[] stage : byName) {
            for (String name : stage[0].keySet()) {
                Matcher m = CHUNK.matcher(name);
                if (m.matches()) {
                    anyChunk = true;
                    vpp = Math.max(vpp, Integer.parseInt(m.group(1)) + 1);
                } else {
                    anyPlain = true;
                }
            }
        }
        if (anyChunk && anyPlain) {
            throw new ConversionException(Reason.CORRUPT_FILE, "shards mix 'model<chunk>.'-prefixed and plain tensor "
                    + "names");
        }
        if ((long) vpp * pp > ParallelSpec.MAX_STAGES) {
            throw new ConversionException(Reason.BAD_PARALLEL_CONFIG, "too many virtual pipeline chunks: " + vpp);
        }
        int[][] llm = new int[vpp][pp];
        int[][] vit = new int[vpp][pp];
        for (int p = 0; p < pp; p++) {
            for (String name : byName[p][0].keySet()) {
                int chunk = 0;
                String local = name;
                Matcher m = CHUNK.matcher(name);
                if (m.matches()) {
                    chunk = Integer.parseInt(m.group(1));
                    local = m.group(2);
                }
                count(local, MindSpeedRules.LLM_LAYERS, llm[chunk], p);
                count(local, MindSpeedRules.VIT_LAYERS, vit[chunk], p);
            }
        }
        return new ParallelSpec(tp, lists(llm), lists(vit));
    }

    private static void count(String local, String prefix, int[] counts, int p) {
        if (!local.startsWith(prefix)) {
            return;
        }
        int dot = local.indexOf('.', prefix.length());
        if (dot < 0) {
            return;
        }
        try {
            int layer = Integer.parseInt(local.substring(prefix.length(), dot));
            counts[p] = Math.max(counts[p], layer + 1);
        } catch (NumberFormatException ignored) {
            // not a layer tensor; reported as unexpected later
        }
    }

    private static List<List<Integer>> lists(int[][] a) {
        List<List<Integer>> out = new ArrayList<>();
        for (int[] chunk : a) {
            out.add(Arrays.stream(chunk).boxed().toList());
        }
        return out;
    }

    public Path dir() {
        return dir;
    }

    public ModelConfig config() {
        return config;
    }

    public ParallelSpec spec() {
        return spec;
    }

    /** The manifest, or null for a checkpoint without one. */
    public Manifest manifest() {
        return manifest;
    }

    /** Canonical tensors as views over the shards (merged, un-fused; nothing is copied). */
    public Map<String, TensorData> canonical() {
        return canonical;
    }

    /** Replicated tensors with more than one tensor-parallel copy, keyed by stored name and pipeline rank. */
    public Map<String, List<ShardTensor>> replicas() {
        return replicas;
    }

    /** A tensor as shard {@code shardDir} (e.g. {@code mp_rank_01_002}) stores it, or null. */
    public TensorData shardTensor(String shardDir, String storedName) {
        Map<String, ShardTensor> m = shards.get(shardDir);
        ShardTensor t = m == null ? null : m.get(storedName);
        return t == null ? null : t.data();
    }

    public String origin(String canonicalName) {
        return origin.getOrDefault(canonicalName, canonicalName);
    }

    @Override
    public String description() {
        return dir + " (MindSpeed-MM, " + spec.canonical() + ")";
    }

    @Override
    public Optional<StoredTensor> find(String canonicalName) {
        TensorData t = canonical.get(canonicalName);
        if (t == null) {
            return Optional.empty();
        }
        return Optional.of(materialized.computeIfAbsent(canonicalName, n -> stored(n, t)));
    }

    private StoredTensor stored(String name, TensorData t) {
        MemorySegment data = contiguous(t.view());
        String part = null;
        if (data == null) {
            MemorySegment copy = assembled.allocate(Math.max(1, t.byteSize()), 64).asSlice(0, t.byteSize());
            long[] at = {0};
            try {
                t.view().emitAll((src, off, len) -> {
                    MemorySegment.copy(src, off, copy, at[0], len);
                    at[0] += len;
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            data = copy;
            part = "assembled from shards";
        }
        return new StoredTensor(name, origin(name), dir, t.dtype(), t.shape(), data, part);
    }

    /** The single contiguous source run of a view, or null if it has several. */
    private static MemorySegment contiguous(ByteView v) {
        MemorySegment[] found = {null};
        int[] runs = {0};
        try {
            v.emitAll((src, off, len) -> {
                if (runs[0]++ == 0) {
                    found[0] = src.asSlice(off, len);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return runs[0] == 1 ? found[0] : null;
    }

    @Override
    public Set<String> canonicalNames() {
        return canonical.keySet();
    }

    @Override
    public void close() {
        assembled.close();
        mapped.close();
    }
}
