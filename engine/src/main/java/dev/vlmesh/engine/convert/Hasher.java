package dev.vlmesh.engine.convert;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs SHA-256 updates on one helper thread so that hashing a chunk overlaps the system call that writes (or
 * reads) it: hashing costs about as much CPU as the copying does, and a conversion is otherwise a single thread.
 * Callers wait for each chunk's update before touching the buffer again, so digests stay in order.
 */
final class Hasher {
    private static volatile Thread worker;
    private static final ExecutorService THREAD = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sha-256");
        t.setDaemon(true);
        worker = t;
        return t;
    });
    private static final Future<?> DONE = java.util.concurrent.CompletableFuture.completedFuture(null);

    private Hasher() {
    }

    /** Starts hashing {@code bytes} (its remaining bytes; the buffer itself is not moved). */
    static Future<?> start(MessageDigest sha, ByteBuffer bytes) {
        ByteBuffer view = bytes.duplicate();
        Thread t = worker;
        // memory of a thread-confined arena cannot be read from the hashing thread: hash it here instead
        if (view.isDirect() && t != null && !MemorySegment.ofBuffer(view).isAccessibleBy(t)) {
            sha.update(view);
            return DONE;
        }
        if (view.isDirect() && t == null) {
            THREAD.submit(() -> { }); // start the thread so the check above can be made
            sha.update(view);
            return DONE;
        }
        return THREAD.submit(() -> sha.update(view));
    }

    static void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            f.cancel(false);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        } catch (ExecutionException e) {
            throw new IOException("hashing failed", e.getCause());
        }
    }
}
