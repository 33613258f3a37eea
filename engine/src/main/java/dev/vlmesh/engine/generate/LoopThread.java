package dev.vlmesh.engine.generate;

import java.util.function.BooleanSupplier;

/**
 * The thread of a shared batching loop ({@link DecodeBatch}, {@link VisionBatch}): started on the first submission,
 * woken when work is queued, ended by {@link #close} once the loop has drained. Queues and this object's state are
 * guarded by the subclass's monitor ({@code this}).
 */
abstract class LoopThread implements AutoCloseable {
    private final String name;
    private boolean closed;
    private Thread thread;

    LoopThread(String name) {
        this.name = name;
    }

    /** Queues work (under the monitor) and wakes the loop, starting it on first use. */
    protected final synchronized void submit(Runnable enqueue) {
        if (closed) {
            throw new IllegalStateException("the " + name + " loop is closed");
        }
        enqueue.run();
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name(name).start(this::loop);
        }
        notifyAll();
    }

    /**
     * Called by the loop holding the monitor: waits while {@code idle} and not closed. False when the loop should end
     * (closed with nothing left to do).
     */
    protected final boolean awaitWork(BooleanSupplier idle) {
        while (idle.getAsBoolean() && !closed) {
            try {
                wait();
            } catch (InterruptedException e) {
                // only close() ends the loop
            }
        }
        return !idle.getAsBoolean();
    }

    /** Runs until {@link #awaitWork} returns false. */
    protected abstract void loop();

    /** Stops the loop once what it holds has finished (the model waits for its generations first). */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            notifyAll();
            t = thread;
        }
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
