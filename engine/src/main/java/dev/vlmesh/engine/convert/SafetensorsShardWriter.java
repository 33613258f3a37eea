package dev.vlmesh.engine.convert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;

/**
 * Streams a safetensors file: the header (fixed by the declared names, dtypes and shapes) first, then each tensor's
 * bytes in declaration order. The header is laid out as the reference Python/Rust writer lays it out
 * ({@code __metadata__} first, tensors in data order, keys {@code dtype, shape, data_offsets}, compact JSON, padded
 * with spaces to a multiple of 8), so re-writing a file's tensors in its own order reproduces it byte for byte.
 */
final class SafetensorsShardWriter implements ShardOutput {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tensor to declare. */
    record Entry(String name, String dtype, long[] shape) {
        long byteSize() {
            return Dtypes.byteSize(dtype, shape);
        }
    }

    private final HashingFile file;
    private final String relativePath;
    private final List<Entry> entries;
    private int current = -1;
    private long writtenInCurrent;

    private SafetensorsShardWriter(HashingFile file, String relativePath, List<Entry> entries) {
        this.file = file;
        this.relativePath = relativePath;
        this.entries = entries;
    }

    static SafetensorsShardWriter create(Path root, String relativePath, List<Entry> entries,
                                         Map<String, String> metadata) throws IOException {
        byte[] header = header(entries, metadata);
        HashingFile f = new HashingFile(root.resolve(relativePath));
        try {
            f.write(ByteBuffer.wrap(header));
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
        return new SafetensorsShardWriter(f, relativePath, List.copyOf(entries));
    }

    static byte[] header(List<Entry> entries, Map<String, String> metadata) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (Entry e : entries) {
            if (!names.add(e.name()) || e.name().equals("__metadata__")) {
                throw new IllegalArgumentException("duplicate or reserved tensor name " + e.name());
            }
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", e.dtype());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            long n = e.byteSize();
            t.putArray("data_offsets").add(offset).add(offset + n);
            offset += n;
        }
        byte[] json = JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        while (b.hasRemaining()) {
            b.put((byte) ' ');
        }
        return b.array();
    }

    @Override
    public void beginTensor(int index) {
        if (index != current + 1 || (current >= 0 && writtenInCurrent != entries.get(current).byteSize())) {
            throw new IllegalStateException("tensor " + index + " out of order in " + relativePath);
        }
        current = index;
        writtenInCurrent = 0;
    }

    @Override
    public Future<?> write(ByteBuffer bytes) throws IOException {
        writtenInCurrent += bytes.remaining();
        if (writtenInCurrent > entries.get(current).byteSize()) {
            throw new IllegalStateException("tensor " + entries.get(current).name() + " overflows its size");
        }
        return file.write(bytes);
    }

    @Override
    public void endTensor() {
        if (writtenInCurrent != entries.get(current).byteSize()) {
            throw new IllegalStateException("tensor " + entries.get(current).name() + " got " + writtenInCurrent
                    + " of " + entries.get(current).byteSize() + " bytes");
        }
    }

    @Override
    public FileDigest finish() throws IOException {
        if (current != entries.size() - 1) {
            throw new IllegalStateException(relativePath + ": only " + (current + 1) + " of " + entries.size()
                    + " tensors written");
        }
        return file.commit(relativePath);
    }

    @Override
    public void close() {
        file.close();
    }
}
