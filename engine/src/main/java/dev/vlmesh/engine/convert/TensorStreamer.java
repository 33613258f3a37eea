package dev.vlmesh.engine.convert;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Moves tensor bytes from memory-mapped sources to shard outputs. Small runs (strided column slices, interleaved
 * QKV groups) are gathered in staging buffers; long contiguous runs go straight from the mapping to the outputs.
 * Outputs hash in the background, so a few chunks are in flight at once: a staging buffer is refilled, and a
 * source chunk released ({@link MemorySegment#unload()}), only once every output has hashed it. The resident set
 * therefore stays at a few chunks, however large the checkpoint or its largest tensor.
 */
final class TensorStreamer {
    static final int DEFAULT_STAGING = 8 << 20;
    private static final long DIRECT_CHUNK = 64L << 20;
    private static final int RING = 4;
    private static final int DIRECT_IN_FLIGHT = 4;

    /** A piece handed to the outputs, with what to do once they are done with it. */
    private record InFlight(List<Future<?>> hashed, MemorySegment release) {
    }

    private final ByteBuffer[] ring = new ByteBuffer[RING];
    private final MemorySegment[] ringSegments = new MemorySegment[RING];
    private final List<List<Future<?>>> ringBusy = new ArrayList<>();
    private int slot;
    private final ArrayDeque<InFlight> direct = new ArrayDeque<>();
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
        for (int i = 0; i < RING; i++) {
            ring[i] = ByteBuffer.allocateDirect(stagingBytes);
            ringSegments[i] = MemorySegment.ofBuffer(ring[i]);
            ringBusy.add(List.of());
        }
        this.bytesPerSecond = bytesPerSecond;
        this.progress = progress;
    }

    /** Writes one tensor's bytes to each of {@code outputs}. */
    void write(ByteView view, List<ShardOutput> outputs) throws IOException {
        targets = outputs;
        view.emitAll(this::accept);
        flush();
    }

    /** Waits until every output has hashed everything handed to it, and releases the source chunks. */
    void drain() throws IOException {
        while (!direct.isEmpty()) {
            retire(direct.poll());
        }
        for (int i = 0; i < RING; i++) {
            awaitAll(ringBusy.get(i));
            ringBusy.set(i, List.of());
        }
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
        ByteBuffer staging = ring[slot];
        if (length >= staging.capacity()) {
            flush();
            for (long done = 0; done < length; done += DIRECT_CHUNK) {
                long n = Math.min(DIRECT_CHUNK, length - done);
                MemorySegment chunk = src.asSlice(offset + done, n);
                direct.add(new InFlight(deliver(chunk.asByteBuffer()), chunk.isMapped() ? chunk : null));
                while (direct.size() > DIRECT_IN_FLIGHT) {
                    retire(direct.poll());
                }
            }
            return;
        }
        while (length > 0) {
            staging = ring[slot];
            int n = (int) Math.min(length, staging.capacity() - staging.position());
            MemorySegment.copy(src, offset, ringSegments[slot], staging.position(), n);
            staging.position(staging.position() + n);
            offset += n;
            length -= n;
            if (!staging.hasRemaining()) {
                flush();
            }
        }
    }

    /** Hands the current staging buffer to the outputs and moves to the next one, once it is free again. */
    private void flush() throws IOException {
        ByteBuffer staging = ring[slot];
        if (staging.position() == 0) {
            return;
        }
        staging.flip();
        ringBusy.set(slot, deliver(staging));
        slot = (slot + 1) % RING;
        awaitAll(ringBusy.get(slot));
        ringBusy.set(slot, List.of());
        ring[slot].clear();
    }

    private List<Future<?>> deliver(ByteBuffer b) throws IOException {
        if (Thread.currentThread().isInterrupted()) {
            // a stopping service interrupts its conversions; finished shards stay for the restart
            throw new InterruptedIOException("conversion interrupted");
        }
        int n = b.remaining();
        List<Future<?>> hashed = new ArrayList<>(targets.size());
        for (ShardOutput o : targets) {
            hashed.add(o.write(b));
        }
        delivered += n;
        progress.accept(n);
        throttle();
        return hashed;
    }

    private static void retire(InFlight f) throws IOException {
        awaitAll(f.hashed());
        if (f.release() != null) {
            f.release().unload(); // a 1 GB embedding must not stay resident while it streams
        }
    }

    private static void awaitAll(List<Future<?>> fs) throws IOException {
        for (Future<?> f : fs) {
            Hasher.await(f);
        }
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
