package dev.vlmesh.engine.convert;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Moves tensor bytes from memory-mapped sources to shard outputs. Small runs (strided column slices, interleaved
 * QKV groups) are gathered in one staging buffer; long contiguous runs go straight from the mapping to the outputs.
 * After a tensor is written its source pages are released ({@link MemorySegment#unload()}), so the resident set
 * stays near one tensor however large the checkpoint.
 */
final class TensorStreamer {
    static final int DEFAULT_STAGING = 8 << 20;
    private static final long DIRECT_CHUNK = 64L << 20;

    private final ByteBuffer staging;
    private final MemorySegment stagingSegment;
    private final long bytesPerSecond;
    private final LongConsumer progress;
    private final long started = System.nanoTime();
    private long delivered;
    private List<ShardOutput> targets;

    /**
     * @param bytesPerSecond read limit (0 = unlimited), to keep a conversion from starving a shared disk
     * @param progress       told the number of bytes each time a piece has been written
     */
    TensorStreamer(int stagingBytes, long bytesPerSecond, LongConsumer progress) {
        this.staging = ByteBuffer.allocateDirect(stagingBytes);
        this.stagingSegment = MemorySegment.ofBuffer(staging);
        this.bytesPerSecond = bytesPerSecond;
        this.progress = progress;
    }

    /** Writes one tensor's bytes to each of {@code outputs}. */
    void write(ByteView view, List<ShardOutput> outputs) throws IOException {
        targets = outputs;
        view.emitAll(this::accept);
        flush();
    }

    /** Releases the mapped pages a view was read from (they stay in the page cache, not in this process). */
    static void release(ByteView view) {
        view.sources(s -> {
            if (s.isMapped() && s.byteSize() > 0) {
                s.unload();
            }
        });
    }

    private void accept(MemorySegment src, long offset, long length) throws IOException {
        if (length >= staging.capacity()) {
            flush();
            for (long done = 0; done < length; done += DIRECT_CHUNK) {
                long n = Math.min(DIRECT_CHUNK, length - done);
                MemorySegment chunk = src.asSlice(offset + done, n);
                deliver(chunk.asByteBuffer());
                if (chunk.isMapped()) {
                    chunk.unload(); // a 1 GB embedding must not stay resident while it streams
                }
            }
            return;
        }
        while (length > 0) {
            int n = (int) Math.min(length, staging.capacity() - staging.position());
            MemorySegment.copy(src, offset, stagingSegment, staging.position(), n);
            staging.position(staging.position() + n);
            offset += n;
            length -= n;
            if (!staging.hasRemaining()) {
                flush();
            }
        }
    }

    private void flush() throws IOException {
        if (staging.position() == 0) {
            return;
        }
        staging.flip();
        deliver(staging);
        staging.clear();
    }

    private void deliver(ByteBuffer b) throws IOException {
        if (Thread.currentThread().isInterrupted()) {
            // a stopping service interrupts its conversions; finished shards stay for the restart
            throw new InterruptedIOException("conversion interrupted");
        }
        int n = b.remaining();
        for (ShardOutput o : targets) {
            o.write(b);
        }
        delivered += n;
        progress.accept(n);
        throttle();
    }

    private void throttle() throws IOException {
        if (bytesPerSecond <= 0) {
            return;
        }
        long dueNanos = (long) (delivered * 1e9 / bytesPerSecond);
        long ahead = dueNanos - (System.nanoTime() - started);
        if (ahead > 0) {
            try {
                Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("conversion interrupted");
            }
        }
    }
}
