package dev.vlmesh.engine.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vlmesh.engine.tensor.DType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a safetensors file in one pass without holding the tensors in memory: all names, dtypes and shapes are
 * declared up front (they fix the header), then each tensor's bytes are streamed in declaration order. The file is
 * written to a temporary sibling and renamed on a successful {@link #close()}, so a crash never leaves a plausible
 * but truncated checkpoint behind.
 */
public final class SafetensorsWriter implements AutoCloseable {

    /** One tensor to be written. */
    public record TensorSpec(String name, DType dtype, long[] shape) {
        public TensorSpec {
            if (dtype.safetensorsName() == null) {
                throw new IllegalArgumentException(name + ": " + dtype + " is not a safetensors dtype");
            }
        }

        public long byteLength() {
            long n = dtype.byteSize();
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final List<TensorSpec> specs;
    private int next;
    private long writtenInCurrent;
    private boolean failed;
    private boolean closed;

    private SafetensorsWriter(Path target, Path temp, FileChannel channel, List<TensorSpec> specs) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
        this.specs = specs;
        while (next < specs.size() && specs.get(next).byteLength() == 0) {
            next++;
        }
    }

    /** Creates {@code path} (replacing it on success) and writes the header for {@code tensors} in that order. */
    public static SafetensorsWriter create(Path path, List<TensorSpec> tensors, Map<String, String> metadata)
            throws IOException {
        Set<String> names = new HashSet<>();
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (TensorSpec t : tensors) {
            if (!names.add(t.name()) || t.name().equals("__metadata__")) {
                throw new IllegalArgumentException("duplicate or reserved tensor name: " + t.name());
            }
            for (long d : t.shape()) {
                if (d < 0) {
                    throw new IllegalArgumentException("negative dimension in " + t.name());
                }
            }
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", t.dtype().safetensorsName());
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long len = t.byteLength();
            e.putArray("data_offsets").add(offset).add(offset + len);
            offset += len;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        int padded = (json.length + 7) & ~7;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        Path temp = path.resolveSibling(path.getFileName() + ".partial");
        FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        try {
            while (head.hasRemaining()) {
                ch.write(head);
            }
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(temp);
            throw e;
        }
        return new SafetensorsWriter(path, temp, ch, List.copyOf(tensors));
    }

    /** The spec of the tensor whose bytes are expected next, or null when all are written. */
    public TensorSpec current() {
        return next < specs.size() ? specs.get(next) : null;
    }

    /** Appends raw little-endian bytes of the current tensor; a tensor may be written in several pieces. */
    public void write(ByteBuffer bytes) throws IOException {
        TensorSpec spec = current();
        if (spec == null) {
            throw new IllegalStateException("all declared tensors are already written");
        }
        long remaining = spec.byteLength() - writtenInCurrent;
        if (bytes.remaining() > remaining) {
            failed = true;
            throw new IllegalArgumentException("tensor " + spec.name() + " expects " + remaining
                    + " more bytes, got " + bytes.remaining());
        }
        try {
            while (bytes.hasRemaining()) {
                writtenInCurrent += channel.write(bytes);
            }
        } catch (IOException e) {
            failed = true;
            throw e;
        }
        if (writtenInCurrent == spec.byteLength()) {
            next++;
            writtenInCurrent = 0;
            // zero-size tensors that follow are complete already
            while (next < specs.size() && specs.get(next).byteLength() == 0) {
                next++;
            }
        }
    }

    /** Appends bytes of the current tensor from a memory segment (for example a slice of a mapped checkpoint). */
    public void write(MemorySegment bytes) throws IOException {
        long chunk = 1 << 24;
        for (long off = 0; off < bytes.byteSize(); off += chunk) {
            write(bytes.asSlice(off, Math.min(chunk, bytes.byteSize() - off)).asByteBuffer());
        }
    }

    /** Appends float values converted to the current tensor's dtype (round to nearest even for F16/BF16). */
    public void writeFloats(float[] values, int from, int count) throws IOException {
        TensorSpec spec = current();
        if (spec == null) {
            throw new IllegalStateException("all declared tensors are already written");
        }
        DType t = spec.dtype();
        int block = 1 << 16;
        ByteBuffer buf = ByteBuffer.allocate(block * t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i += block) {
            int n = Math.min(block, count - i);
            buf.clear();
            for (int j = 0; j < n; j++) {
                float v = values[from + i + j];
                switch (t) {
                    case F32 -> buf.putFloat(v);
                    case F16 -> buf.putShort(Float.floatToFloat16(v));
                    case BF16 -> buf.putShort(toBf16(v));
                }
            }
            buf.flip();
            write(buf);
        }
    }

    /** float32 → bfloat16 bits with round-to-nearest-even (NaN stays NaN), as torch's conversion does. */
    public static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** Finishes the file. Throws if a declared tensor was not fully written (the partial file is removed). */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        boolean complete = !failed && current() == null;
        try {
            if (complete) {
                channel.force(false);
            }
        } finally {
            channel.close();
        }
        if (!complete) {
            Files.deleteIfExists(temp);
            if (!failed) {
                throw new IOException("safetensors file " + target + " incomplete: tensor "
                        + current().name() + " was not fully written");
            }
            return;
        }
        Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
