package dev.vlmesh.engine.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vlmesh.engine.safetensors.SafetensorsEntry;
import dev.vlmesh.engine.safetensors.SafetensorsFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Weights from {@code model.safetensors} or from the files listed in {@code model.safetensors.index.json}, all
 * memory-mapped into one shared arena that {@link #close()} releases. Every file's header is validated at open, the
 * index is checked against the files, and stored names are mapped to canonical names ({@link KeyMapping}).
 */
public final class SafetensorsWeightSource implements WeightSource {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path dir;
    private final Arena arena;
    private final Map<String, StoredTensor> tensors;

    private SafetensorsWeightSource(Path dir, Arena arena, Map<String, StoredTensor> tensors) {
        this.dir = dir;
        this.arena = arena;
        this.tensors = tensors;
    }

    public static SafetensorsWeightSource open(Path dir, CheckpointLayout layout) throws CheckpointException {
        Arena arena = Arena.ofShared();
        try {
            Map<String, StoredTensor> tensors = new LinkedHashMap<>();
            Path index = dir.resolve(INDEX_FILE);
            Path single = dir.resolve(SINGLE_FILE);
            if (Files.isRegularFile(index)) {
                Map<String, String> weightMap = readIndex(index);
                Map<String, SafetensorsFile> files = new LinkedHashMap<>();
                for (String f : new LinkedHashSet<>(weightMap.values())) {
                    Path p = dir.resolve(f).normalize();
                    if (!p.startsWith(dir.normalize()) || !Files.isRegularFile(p)) {
                        throw new CheckpointException(index + " lists file '" + f + "' which does not exist in "
                                + dir);
                    }
                    files.put(f, openFile(p, arena));
                }
                for (Map.Entry<String, String> e : weightMap.entrySet()) {
                    SafetensorsFile file = files.get(e.getValue());
                    SafetensorsEntry entry = file.entries().get(e.getKey());
                    if (entry == null) {
                        throw new CheckpointException(index + " places tensor '" + e.getKey() + "' in "
                                + file.path() + ", but that file does not contain it");
                    }
                    add(tensors, layout, file, entry);
                }
            } else if (Files.isRegularFile(single)) {
                SafetensorsFile file = openFile(single, arena);
                for (SafetensorsEntry entry : file.entries().values()) {
                    add(tensors, layout, file, entry);
                }
            } else {
                throw new CheckpointException(dir + ": no " + SINGLE_FILE + " or " + INDEX_FILE);
            }
            return new SafetensorsWeightSource(dir, arena, Collections.unmodifiableMap(tensors));
        } catch (CheckpointException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static SafetensorsFile openFile(Path p, Arena arena) throws CheckpointException {
        try {
            return SafetensorsFile.open(p, arena);
        } catch (IOException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
    }

    private static Map<String, String> readIndex(Path index) throws CheckpointException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(index));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(index + ": invalid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(index + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new CheckpointException(index + ": missing or empty 'weight_map'");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new CheckpointException(index + ": weight_map entry for '" + e.getKey() + "' is not a file name");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static void add(Map<String, StoredTensor> tensors, CheckpointLayout layout, SafetensorsFile file,
                            SafetensorsEntry entry) throws CheckpointException {
        for (KeyMapping.Part part : KeyMapping.map(layout, entry.name())) {
            StoredTensor t = slice(file, entry, part);
            StoredTensor previous = tensors.putIfAbsent(part.canonicalName(), t);
            if (previous != null) {
                throw new CheckpointException("tensor '" + part.canonicalName() + "' is stored twice: "
                        + previous.origin() + " and " + t.origin());
            }
        }
    }

    private static StoredTensor slice(SafetensorsFile file, SafetensorsEntry entry, KeyMapping.Part part)
            throws CheckpointException {
        MemorySegment data = file.data(entry);
        if (part.of() == 1) {
            return new StoredTensor(part.canonicalName(), entry.name(), file.path(), entry.dtype(), entry.shape(),
                    data, null);
        }
        long[] shape = entry.shape().clone();
        if (shape.length == 0 || shape[0] % part.of() != 0) {
            throw new CheckpointException("tensor '" + entry.name() + "' in " + file.path() + " has shape "
                    + entry.shapeString() + "; its first dimension must split into " + part.of() + " equal parts");
        }
        long rows = shape[0] / part.of();
        long rowBytes = data.byteSize() / shape[0];
        shape[0] = rows;
        long from = part.index() * rows;
        return new StoredTensor(part.canonicalName(), entry.name(), file.path(), entry.dtype(), shape,
                data.asSlice(from * rowBytes, rows * rowBytes),
                "rows " + from + ".." + (from + rows - 1) + " of " + (rows * part.of()));
    }

    @Override
    public String description() {
        return dir.toString();
    }

    @Override
    public Optional<StoredTensor> find(String canonicalName) {
        return Optional.ofNullable(tensors.get(canonicalName));
    }

    @Override
    public Set<String> canonicalNames() {
        return tensors.keySet();
    }

    @Override
    public void close() {
        arena.close();
    }
}
