package dev.vlmesh.engine.convert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vlmesh.engine.checkpoint.CheckpointException;
import dev.vlmesh.engine.checkpoint.CheckpointLayout;
import dev.vlmesh.engine.checkpoint.ConfigReader;
import dev.vlmesh.engine.checkpoint.KeyMapping;
import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.convert.ConversionException.Reason;
import dev.vlmesh.engine.safetensors.SafetensorsEntry;
import dev.vlmesh.engine.safetensors.SafetensorsFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A HuggingFace InternVL3 checkpoint directory (original OpenGVLab layout or transformers "-hf" layout) opened for
 * conversion: its config, its safetensors files memory-mapped, and every tensor under its canonical name (as a
 * zero-copy view; the original layout's fused ViT {@code attn.qkv} is seen as three row slices). Only safetensors are
 * read — a directory holding only PyTorch pickles is refused, since loading a pickle can run arbitrary code.
 */
public final class SourceCheckpoint implements AutoCloseable {

    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** Non-weight files (config, tokenizer, generation config) travel with the converted checkpoint. */
    static final Set<String> SIDE_FILE_EXTENSIONS = Set.of(".json", ".txt", ".model", ".jinja", ".tiktoken");
    static final long MAX_SIDE_FILE_BYTES = 64L << 20;
    static final int MAX_FILES = 10_000;
    private static final Set<String> PICKLE_EXTENSIONS = Set.of(".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle");
    /** Names the converter writes itself at the output root. */
    static final Set<String> RESERVED_NAMES = Set.of("manifest.json", "latest_checkpointed_iteration.txt",
            "source.safetensors.index.json");

    /** One safetensors file: its tensors in header (data) order and its {@code __metadata__}. */
    public record WeightFile(String name, long size, List<String> tensors, Map<String, String> metadata) {
    }

    private final Path dir;
    private final ModelConfig config;
    private final Arena arena;
    private final List<WeightFile> weightFiles;
    private final List<String> sideFiles;
    private final boolean indexed;
    private final Map<String, TensorData> canonical;
    private final Map<String, String> origin;

    private SourceCheckpoint(Path dir, ModelConfig config, Arena arena, List<WeightFile> weightFiles,
                             List<String> sideFiles, boolean indexed, Map<String, TensorData> canonical,
                             Map<String, String> origin) {
        this.dir = dir;
        this.config = config;
        this.arena = arena;
        this.weightFiles = weightFiles;
        this.sideFiles = sideFiles;
        this.indexed = indexed;
        this.canonical = canonical;
        this.origin = origin;
    }

    public static SourceCheckpoint open(Path dir) throws ConversionException {
        if (!Files.isDirectory(dir)) {
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, dir + " is not a directory");
        }
        ModelConfig config = readConfig(dir);
        Listing listing = list(dir);
        Arena arena = Arena.ofShared();
        try {
            Map<String, SafetensorsFile> files = new LinkedHashMap<>();
            for (String f : listing.weights) {
                files.put(f, openFile(dir.resolve(f), arena));
            }
            if (listing.index != null) {
                checkIndex(dir, listing.index, files);
            }
            Map<String, TensorData> canonical = new LinkedHashMap<>();
            Map<String, String> origin = new LinkedHashMap<>();
            List<WeightFile> weightFiles = new ArrayList<>();
            for (Map.Entry<String, SafetensorsFile> f : files.entrySet()) {
                SafetensorsFile file = f.getValue();
                weightFiles.add(new WeightFile(f.getKey(), Files.size(file.path()),
                        List.copyOf(file.entries().keySet()), file.metadata()));
                for (SafetensorsEntry e : file.entries().values()) {
                    add(config.layout(), f.getKey(), file, e, canonical, origin);
                }
            }
            return new SourceCheckpoint(dir, config, arena, List.copyOf(weightFiles), listing.side,
                    listing.index != null, Collections.unmodifiableMap(canonical), origin);
        } catch (ConversionException | RuntimeException e) {
            arena.close();
            throw e;
        } catch (IOException e) {
            arena.close();
            throw new ConversionException(Reason.CORRUPT_FILE, dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads {@code config.json} with the engine's reader, translating its refusals into stable reasons. */
    public static ModelConfig readConfig(Path dir) throws ConversionException {
        try {
            return ConfigReader.read(dir);
        } catch (CheckpointException e) {
            String m = e.getMessage();
            String lower = m.toLowerCase(Locale.ROOT);
            Reason r = lower.contains("no config.json") ? Reason.SOURCE_NOT_FOUND
                    : lower.contains("invalid json") || lower.contains("cannot read") || lower.contains("must be")
                    || lower.contains("not a json") ? Reason.CORRUPT_FILE
                    : Reason.UNSUPPORTED_ARCHITECTURE;
            throw new ConversionException(r, m, e);
        }
    }

    private record Listing(List<String> weights, List<String> side, Path index) {
    }

    private static Listing list(Path dir) throws ConversionException {
        List<String> safetensors = new ArrayList<>();
        List<String> pickles = new ArrayList<>();
        List<String> side = new ArrayList<>();
        Path index = null;
        int count = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (++count > MAX_FILES) {
                    throw new ConversionException(Reason.UNSUPPORTED_FORMAT, dir + " holds more than " + MAX_FILES
                            + " files; not a checkpoint directory");
                }
                String name = p.getFileName().toString();
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue; // sub-directories and symbolic links are never followed
                }
                String lower = name.toLowerCase(Locale.ROOT);
                if (lower.endsWith(".safetensors")) {
                    safetensors.add(name);
                } else if (name.equals(INDEX_FILE)) {
                    index = p;
                } else if (PICKLE_EXTENSIONS.stream().anyMatch(lower::endsWith)) {
                    pickles.add(name);
                } else if (SIDE_FILE_EXTENSIONS.stream().anyMatch(lower::endsWith) && !RESERVED_NAMES.contains(name)
                        && Files.size(p) <= MAX_SIDE_FILE_BYTES) {
                    side.add(name);
                }
            }
        } catch (ConversionException e) {
            throw e;
        } catch (IOException e) {
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, dir + ": cannot list: " + e.getMessage(), e);
        }
        Collections.sort(safetensors);
        Collections.sort(side);
        if (safetensors.isEmpty()) {
            if (!pickles.isEmpty()) {
                Collections.sort(pickles);
                throw new ConversionException(Reason.UNSUPPORTED_FORMAT, dir + " holds PyTorch pickle weights "
                        + pickles + " and no safetensors. Pickles are refused because loading one can execute "
                        + "arbitrary code; re-save the checkpoint as safetensors on a trusted machine "
                        + "(save_pretrained(..., safe_serialization=True)).");
            }
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, dir + " holds no *.safetensors weights");
        }
        List<String> weights = safetensors;
        if (index != null) {
            weights = new ArrayList<>(new TreeSet<>(readIndex(index).values()));
            for (String f : weights) {
                Path p = dir.resolve(f).normalize();
                if (!p.getParent().equals(dir.normalize()) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new ConversionException(Reason.CORRUPT_FILE, index + " names weight file '" + f
                            + "', which is not a file in " + dir);
                }
            }
        }
        return new Listing(List.copyOf(weights), List.copyOf(side), index);
    }

    static Map<String, String> readIndex(Path index) throws ConversionException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(index));
        } catch (JsonProcessingException e) {
            throw new ConversionException(Reason.CORRUPT_FILE, index + ": invalid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConversionException(Reason.CORRUPT_FILE, index + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new ConversionException(Reason.CORRUPT_FILE, index + ": missing or empty 'weight_map'");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new ConversionException(Reason.CORRUPT_FILE, index + ": weight_map entry for '" + e.getKey()
                        + "' is not a file name");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static void checkIndex(Path dir, Path index, Map<String, SafetensorsFile> files)
            throws ConversionException {
        Map<String, String> map = readIndex(index);
        Set<String> listed = new LinkedHashSet<>();
        for (Map.Entry<String, String> e : map.entrySet()) {
            SafetensorsFile f = files.get(e.getValue());
            if (!f.entries().containsKey(e.getKey())) {
                throw new ConversionException(Reason.CORRUPT_FILE, index + " places tensor '" + e.getKey() + "' in "
                        + e.getValue() + ", which does not contain it");
            }
            listed.add(e.getKey());
        }
        for (Map.Entry<String, SafetensorsFile> f : files.entrySet()) {
            for (String t : f.getValue().entries().keySet()) {
                if (!listed.contains(t)) {
                    throw new ConversionException(Reason.CORRUPT_FILE, dir.resolve(f.getKey()) + " holds tensor '"
                            + t + "', which " + index.getFileName() + " does not list");
                }
            }
        }
    }

    private static SafetensorsFile openFile(Path p, Arena arena) throws ConversionException {
        try {
            return SafetensorsFile.open(p, arena);
        } catch (IOException e) {
            throw new ConversionException(Reason.CORRUPT_FILE, e.getMessage(), e);
        }
    }

    private static void add(CheckpointLayout layout, String fileName, SafetensorsFile file, SafetensorsEntry e,
                            Map<String, TensorData> canonical, Map<String, String> origin)
            throws ConversionException {
        List<KeyMapping.Part> parts = KeyMapping.map(layout, e.name());
        if (parts.isEmpty()) {
            throw new ConversionException(Reason.UNSUPPORTED_ARCHITECTURE, fileName + ": tensor '" + e.name()
                    + "' is not part of an InternVL3 checkpoint in the " + layout.name().toLowerCase(Locale.ROOT)
                    + " layout");
        }
        if (!Dtypes.isFloat(e.dtype())) {
            throw new ConversionException(Reason.UNSUPPORTED_FORMAT, fileName + ": tensor '" + e.name()
                    + "' has dtype " + e.dtype() + "; only F32, F16, BF16 and F64 weights are converted");
        }
        TensorData whole = TensorData.of(e.dtype(), e.shape(), file.data(e));
        for (KeyMapping.Part p : parts) {
            TensorData t = whole;
            if (p.of() > 1) {
                if (e.shape().length == 0 || e.shape()[0] % p.of() != 0) {
                    throw new ConversionException(Reason.SHAPE_MISMATCH, fileName + ": tensor '" + e.name()
                            + "' has shape " + e.shapeString() + "; its first dimension must split into " + p.of()
                            + " equal parts");
                }
                long n = e.shape()[0] / p.of();
                t = whole.rows(p.index() * n, n);
            }
            String where = "'" + e.name() + "'" + (p.of() > 1 ? " (part " + (p.index() + 1) + " of " + p.of() + ")"
                    : "") + " in " + fileName;
            if (canonical.putIfAbsent(p.canonicalName(), t) != null) {
                throw new ConversionException(Reason.CORRUPT_FILE, "tensor " + p.canonicalName() + " is stored twice: "
                        + origin.get(p.canonicalName()) + " and " + where);
            }
            origin.put(p.canonicalName(), where);
        }
    }

    /** The canonical tensor {@code name}, which must have {@code shape}. */
    public TensorData require(String name, long[] shape) throws ConversionException {
        TensorData t = canonical.get(name);
        if (t == null) {
            String hint = KeyMapping.storedNameHint(config.layout(), name);
            throw new ConversionException(Reason.MISSING_TENSOR, "checkpoint " + dir + " has no tensor '" + hint
                    + "'" + (hint.equals(name) ? "" : " (canonical name " + name + ")")
                    + ", which the config requires");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ConversionException(Reason.SHAPE_MISMATCH, "tensor " + origin.get(name) + " has shape "
                    + t.shapeString() + " but config.json requires " + Arrays.toString(shape));
        }
        return t;
    }

    /** Where a canonical tensor is stored, for messages. */
    public String origin(String canonicalName) {
        return origin.getOrDefault(canonicalName, canonicalName);
    }

    public Path dir() {
        return dir;
    }

    public ModelConfig config() {
        return config;
    }

    public CheckpointLayout layout() {
        return config.layout();
    }

    public Map<String, TensorData> canonical() {
        return canonical;
    }

    /** Safetensors files in the order they were opened (index order or sorted names). */
    public List<WeightFile> weightFiles() {
        return weightFiles;
    }

    public boolean indexed() {
        return indexed;
    }

    /** Config, tokenizer and other small files to carry along (not weights, never code). */
    public List<String> sideFiles() {
        return sideFiles;
    }

    /** Every file that makes up the checkpoint: the digest covers exactly these. */
    public List<String> allFiles() {
        List<String> all = new ArrayList<>();
        weightFiles.forEach(f -> all.add(f.name()));
        if (indexed) {
            all.add(INDEX_FILE);
        }
        all.addAll(sideFiles);
        Collections.sort(all);
        return all;
    }

    public long weightBytes() {
        return weightFiles.stream().mapToLong(WeightFile::size).sum();
    }

    @Override
    public void close() {
        arena.close();
    }
}
