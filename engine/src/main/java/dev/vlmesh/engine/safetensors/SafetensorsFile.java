package dev.vlmesh.engine.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped safetensors file. The whole header is validated when the file is opened: JSON syntax, dtypes,
 * shapes, offsets inside the data section, byte lengths matching shape × element size, and no two tensors sharing
 * bytes. Tensor data is never copied: {@link #data} returns a slice of the mapping, which lives as long as the arena
 * given to {@link #open}.
 */
public final class SafetensorsFile {
    /** Headers larger than this are rejected before being read (the reference library uses the same bound). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Element sizes of every dtype the format defines; the engine computes with only some of them. */
    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
            Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1),
            Map.entry("F8_E5M2", 1), Map.entry("F8_E4M3", 1), Map.entry("F8_E8M0", 1),
            Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("F32", 4),
            Map.entry("I64", 8), Map.entry("U64", 8), Map.entry("F64", 8));

    private final Path path;
    private final MemorySegment file;
    private final long dataStart;
    private final Map<String, SafetensorsEntry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, MemorySegment file, long dataStart, Map<String, SafetensorsEntry> entries,
                            Map<String, String> metadata) {
        this.path = path;
        this.file = file;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Maps {@code path} read-only into {@code arena} and validates its header. */
    public static SafetensorsFile open(Path path, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            long headerLength = readHeaderLength(path, ch, size);
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            while (header.hasRemaining()) {
                if (ch.read(header, 8 + header.position()) < 0) {
                    throw new SafetensorsException(path + ": file ends inside the header");
                }
            }
            long dataStart = 8 + headerLength;
            Parsed parsed = parseHeader(path, header.array(), size - dataStart);
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new SafetensorsFile(path, mapped, dataStart, parsed.entries, parsed.metadata);
        }
    }

    /** Reads and validates only the header (no mapping). */
    public static Map<String, SafetensorsEntry> readHeader(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            long headerLength = readHeaderLength(path, ch, size);
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            while (header.hasRemaining()) {
                if (ch.read(header, 8 + header.position()) < 0) {
                    throw new SafetensorsException(path + ": file ends inside the header");
                }
            }
            return parseHeader(path, header.array(), size - 8 - headerLength).entries;
        }
    }

    public Path path() {
        return path;
    }

    /** Entries in header order. */
    public Map<String, SafetensorsEntry> entries() {
        return entries;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** The bytes of one tensor, a zero-copy slice of the mapping. */
    public MemorySegment data(SafetensorsEntry e) {
        return file.asSlice(dataStart + e.begin(), e.byteLength());
    }

    private static long readHeaderLength(Path path, FileChannel ch, long size) throws IOException {
        if (size < 8) {
            throw new SafetensorsException(path + ": " + size + " bytes is too small for a safetensors file");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        while (len.hasRemaining()) {
            if (ch.read(len, len.position()) < 0) {
                throw new SafetensorsException(path + ": cannot read the header length");
            }
        }
        long n = len.getLong(0);
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw new SafetensorsException(path + ": header length " + Long.toUnsignedString(n)
                    + " is invalid (must be between 2 and " + MAX_HEADER_BYTES + " bytes)");
        }
        if (n > size - 8) {
            throw new SafetensorsException(path + ": header length " + n + " exceeds the file size " + size
                    + " (truncated file?)");
        }
        return n;
    }

    private record Parsed(Map<String, SafetensorsEntry> entries, Map<String, String> metadata) {
    }

    private static Parsed parseHeader(Path path, byte[] bytes, long dataSize) throws SafetensorsException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(path + ": header is not valid UTF-8", e);
        }
        if (!text.startsWith("{")) {
            throw new SafetensorsException(path + ": header does not start with a JSON object");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text.stripTrailing());
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(path + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(path + ": header is not a JSON object");
        }
        Map<String, SafetensorsEntry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode node = f.getValue();
            if (name.equals("__metadata__")) {
                metadata = parseMetadata(path, node);
                continue;
            }
            entries.put(name, parseEntry(path, name, node, dataSize));
        }
        checkNoOverlap(path, entries.values());
        return new Parsed(Collections.unmodifiableMap(entries), metadata);
    }

    private static Map<String, String> parseMetadata(Path path, JsonNode node) throws SafetensorsException {
        if (!node.isObject()) {
            throw new SafetensorsException(path + ": __metadata__ is not a JSON object");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getValue().isTextual()) {
                throw new SafetensorsException(path + ": __metadata__ value for '" + f.getKey() + "' is not a string");
            }
            m.put(f.getKey(), f.getValue().asText());
        }
        return Collections.unmodifiableMap(m);
    }

    private static SafetensorsEntry parseEntry(Path path, String name, JsonNode node, long dataSize)
            throws SafetensorsException {
        String where = path + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new SafetensorsException(where + ": entry is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsException(where + ": missing or non-string dtype");
        }
        String dtype = dtypeNode.asText();
        Integer elementBytes = DTYPE_BYTES.get(dtype);
        if (elementBytes == null) {
            throw new SafetensorsException(where + ": unknown dtype '" + dtype + "'");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafetensorsException(where + ": missing or non-array shape");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        try {
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                    throw new SafetensorsException(where + ": shape " + shapeNode + " has an invalid dimension");
                }
                shape[i] = d.asLong();
                count = Math.multiplyExact(count, shape[i]);
            }
            JsonNode offsets = node.get("data_offsets");
            if (offsets == null || !offsets.isArray() || offsets.size() != 2
                    || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
                    || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
                throw new SafetensorsException(where + ": data_offsets must be two integers");
            }
            long begin = offsets.get(0).asLong();
            long end = offsets.get(1).asLong();
            if (begin < 0 || end < begin) {
                throw new SafetensorsException(where + ": invalid data_offsets [" + begin + ", " + end + "]");
            }
            if (end > dataSize) {
                throw new SafetensorsException(where + ": data_offsets [" + begin + ", " + end
                        + "] extend past the end of the data section (" + dataSize + " bytes; truncated file?)");
            }
            long expected = Math.multiplyExact(count, (long) elementBytes);
            if (end - begin != expected) {
                throw new SafetensorsException(where + ": " + (end - begin) + " bytes stored but dtype " + dtype
                        + " with shape " + shapeNode + " needs " + expected);
            }
            return new SafetensorsEntry(name, dtype, shape, begin, end);
        } catch (ArithmeticException e) {
            throw new SafetensorsException(where + ": shape " + shapeNode + " overflows", e);
        }
    }

    private static void checkNoOverlap(Path path, Iterable<SafetensorsEntry> all) throws SafetensorsException {
        List<SafetensorsEntry> sorted = new ArrayList<>();
        for (SafetensorsEntry e : all) {
            if (e.byteLength() > 0) {
                sorted.add(e);
            }
        }
        sorted.sort(Comparator.comparingLong(SafetensorsEntry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            SafetensorsEntry prev = sorted.get(i - 1);
            SafetensorsEntry cur = sorted.get(i);
            if (cur.begin() < prev.end()) {
                throw new SafetensorsException(path + ": tensors '" + prev.name() + "' [" + prev.begin() + ", "
                        + prev.end() + ") and '" + cur.name() + "' [" + cur.begin() + ", " + cur.end()
                        + ") overlap");
            }
        }
    }

    /** Reads one little-endian value, mainly for tests and tools. */
    public static float readFloat(MemorySegment seg, long index, String dtype) {
        return switch (dtype) {
            case "F32" -> seg.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), index * 4);
            case "F16" -> Float.float16ToFloat(
                    seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), index * 2));
            case "BF16" -> Float.intBitsToFloat(
                    seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), index * 2) << 16);
            default -> throw new IllegalArgumentException("not a float dtype: " + dtype);
        };
    }
}
