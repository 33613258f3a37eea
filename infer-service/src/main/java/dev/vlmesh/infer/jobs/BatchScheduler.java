package dev.vlmesh.infer.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Runs queued work side by side, up to {@code maxConcurrent} items and a memory budget. The next item is the
 * highest-priority one (then the oldest) that fits; an item that does not fit now does not block smaller ones
 * behind it, and one larger than the whole budget runs alone. Items whose retry time has not come wait in the
 * queue without holding a slot.
 */
public final class BatchScheduler implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BatchScheduler.class);

    /** A unit of work: a job attempt or an API request. */
    public interface Work {
        int priority();

        long memoryBytes();

        /** {@link System#nanoTime()} before which the item must not start (retry backoff), or 0. */
        default long notBeforeNanos() {
            return 0;
        }

        void run();

        /** Called instead of {@link #run} when the item is removed from the queue before it started. */
        default void dropped() {
        }
    }

    private record Entry(Work work, long seq) {
    }

    private final int maxConcurrent;
    private final long memoryBudget;
    private final ExecutorService executor;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Entry> queue = new ArrayList<>();
    private final AtomicLong seq = new AtomicLong();
    private final Thread dispatcher;
    private int running;
    private long memoryInUse;
    private volatile boolean open = true;

    public BatchScheduler(int maxConcurrent, long memoryBudget) {
        this.maxConcurrent = maxConcurrent;
        this.memoryBudget = memoryBudget;
        this.executor = Executors.newFixedThreadPool(maxConcurrent, Thread.ofPlatform().name("job-", 0).factory());
        this.dispatcher = Thread.ofPlatform().name("batch-dispatcher").daemon().start(this::dispatch);
    }

    public void submit(Work w) {
        lock.lock();
        try {
            queue.add(new Entry(w, seq.getAndIncrement()));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Removes queued (not started) items matching {@code which}; their {@link Work#dropped} runs. */
    public List<Work> remove(Predicate<Work> which) {
        List<Work> removed = new ArrayList<>();
        lock.lock();
        try {
            queue.removeIf(e -> {
                if (which.test(e.work)) {
                    removed.add(e.work);
                    return true;
                }
                return false;
            });
        } finally {
            lock.unlock();
        }
        removed.forEach(Work::dropped);
        return removed;
    }

    public int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    public int running() {
        lock.lock();
        try {
            return running;
        } finally {
            lock.unlock();
        }
    }

    public long memoryInUse() {
        lock.lock();
        try {
            return memoryInUse;
        } finally {
            lock.unlock();
        }
    }

    private void dispatch() {
        while (open) {
            Entry next;
            lock.lock();
            try {
                long now = System.nanoTime();
                next = pick(now);
                if (next == null) {
                    long wait = nextWakeNanos(now);
                    changed.awaitNanos(wait);
                    continue;
                }
                queue.remove(next);
                running++;
                memoryInUse += next.work.memoryBytes();
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            Entry started = next;
            try {
                executor.execute(() -> runAndRelease(started.work));
            } catch (RuntimeException e) {
                release(started.work);
                started.work.dropped();
            }
        }
    }

    private void runAndRelease(Work w) {
        try {
            w.run();
        } catch (Throwable t) {
            LOG.errorf(t, "work item failed unexpectedly");
        } finally {
            release(w);
        }
    }

    private void release(Work w) {
        lock.lock();
        try {
            running--;
            memoryInUse -= w.memoryBytes();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private Entry pick(long now) {
        if (running >= maxConcurrent) {
            return null;
        }
        Entry best = null;
        for (Entry e : queue) {
            if (e.work.notBeforeNanos() > now) {
                continue;
            }
            boolean fits = running == 0 || memoryInUse + e.work.memoryBytes() <= memoryBudget;
            if (!fits) {
                continue;
            }
            if (best == null || e.work.priority() > best.work.priority()
                    || (e.work.priority() == best.work.priority() && e.seq < best.seq)) {
                best = e;
            }
        }
        return best;
    }

    private long nextWakeNanos(long now) {
        long wait = TimeUnit.SECONDS.toNanos(1);
        for (Entry e : queue) {
            long nb = e.work.notBeforeNanos();
            if (nb > now) {
                wait = Math.min(wait, nb - now);
            }
        }
        return Math.max(wait, TimeUnit.MILLISECONDS.toNanos(1));
    }

    /** Stops dispatching; running items are left to finish (their owner stops them). */
    @Override
    public void close() {
        open = false;
        dispatcher.interrupt();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
