package dev.vlmesh.engine.generate;

import dev.vlmesh.engine.image.PixelValues;
import dev.vlmesh.engine.kernel.ComputePool;
import dev.vlmesh.engine.vision.VisionEncoder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Batched vision encoding: generations that need image features at the same time hand their tiles to one vision
 * thread, which encodes everything waiting in one {@link VisionEncoder#encodeAll} call per tile size, oldest request
 * first. On a CPU a tile is already a large matrix product (257 or 1025 rows), so the gain is not in the
 * arithmetic but in the schedule: one set of activation buffers instead of one per request (tens of MB each at
 * 448 px), and each tile gets the whole thread pool, so the first request's features are ready after its own tiles
 * rather than after everyone's tiles interleaved. A cancelled request leaves at the next layer boundary.
 */
final class VisionBatch extends LoopThread {
    private final VisionEncoder vision;
    private final ComputePool pool;
    private final ArrayDeque<Request> pending = new ArrayDeque<>();
    private long calls;
    private long requests;

    private static final class Request {
        final PixelValues pixels;
        final CancelSignal cancel;
        float[] features;
        RuntimeException failure;
        boolean done;

        Request(PixelValues pixels, CancelSignal cancel) {
            this.pixels = pixels;
            this.cancel = cancel;
        }
    }

    VisionBatch(VisionEncoder vision, ComputePool pool) {
        super("vlmesh-vision");
        this.vision = vision;
        this.pool = pool;
    }

    /** The features of {@code pixels}, or null when cancelled; waits for the batch it joins. */
    float[] encode(PixelValues pixels, CancelSignal cancel) {
        vision.checkTileSize(pixels.size());
        Request r = new Request(pixels, cancel);
        submit(() -> pending.add(r));
        boolean interrupted = false;
        synchronized (r) {
            while (!r.done) {
                try {
                    r.wait();
                } catch (InterruptedException e) {
                    interrupted = true; // the cancel signal stops work, not interrupts
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (r.failure != null) {
            throw r.failure;
        }
        return r.features;
    }

    /** Encode calls made so far and the requests they served (requests / calls = the average batch). */
    synchronized BatchStats stats() {
        return new BatchStats(calls, requests);
    }

    @Override
    protected void loop() {
        while (true) {
            List<Request> batch = new ArrayList<>();
            synchronized (this) {
                if (!awaitWork(pending::isEmpty)) {
                    return;
                }
                // everything waiting of the oldest request's tile size, in arrival order
                int size = pending.peek().pixels.size();
                pending.removeIf(r -> r.pixels.size() == size && batch.add(r));
                calls++;
                requests += batch.size();
            }
            run(batch);
        }
    }

    private void run(List<Request> batch) {
        int n = batch.size();
        float[][] pixels = new float[n][];
        int[] tiles = new int[n];
        BooleanSupplier[] cancelled = new BooleanSupplier[n];
        for (int i = 0; i < n; i++) {
            Request r = batch.get(i);
            pixels[i] = r.pixels.data();
            tiles[i] = r.pixels.tiles();
            cancelled[i] = r.cancel::isCancelled;
        }
        float[][] out = null;
        RuntimeException failure = null;
        try {
            out = vision.encodeAll(pool, pixels, tiles, batch.getFirst().pixels.size(), cancelled);
        } catch (RuntimeException e) {
            failure = e;
        } catch (Error e) {
            failure = new IllegalStateException("vision encoding failed: " + e, e);
        }
        for (int i = 0; i < n; i++) {
            Request r = batch.get(i);
            synchronized (r) {
                r.features = out == null ? null : out[i];
                r.failure = failure;
                r.done = true;
                r.notifyAll();
            }
        }
    }
}
