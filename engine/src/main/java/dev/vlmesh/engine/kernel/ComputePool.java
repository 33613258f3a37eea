package dev.vlmesh.engine.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of threads that run one data-parallel job at a time, built for many short jobs (a decode step is a
 * few hundred of them). The calling thread works too, so {@code threads} = workers + 1. A job is {@code chunks}
 * numbered pieces handed out dynamically; which thread runs a chunk never changes what the chunk computes, so
 * results do not depend on the thread count or on scheduling. Idle workers spin briefly (the next job usually
 * follows within microseconds), then park. Submitting a job allocates nothing.
 *
 * <p>Jobs from different threads are serialised. A job submitted from inside a running chunk runs inline on the
 * submitting thread.
 */
public final class ComputePool implements AutoCloseable {

    /** One job: called once per chunk index, with the index of the thread running it (0 = caller). */
    @FunctionalInterface
    public interface Task {
        void run(int chunk, int thread);
    }

    /**
     * Spin-wait iterations (about 20–50 ns each) before an idle worker parks and a waiting caller starts yielding:
     * long enough to bridge the gaps between the jobs of one forward pass, short enough not to steal a shared
     * core for long. Tunable with {@code -Dvlmesh.compute.spin=N}.
     */
    private static final int SPIN_BEFORE_PARK = Integer.getInteger("vlmesh.compute.spin", 1 << 12);
    /** Most chunks one job may have (22 bits of the state word). */
    public static final int MAX_CHUNKS = (1 << 22) - 1;
    private static final int COUNT_SHIFT = 22;
    private static final int EPOCH_SHIFT = 44;
    private static final long FIELD_MASK = (1L << 22) - 1;

    private final int threads;
    private final GemmBackend gemm;
    private final Worker[] workers;
    private final ReentrantLock submit = new ReentrantLock();
    /**
     * One word so that a single compare-and-set checks the whole job: epoch (20 bits), chunk count (22 bits) and the
     * next chunk to hand out (22 bits). A worker that read the state of a finished job can therefore never take a
     * chunk of the next job, whose task and count it may already see.
     */
    private final AtomicLong state = new AtomicLong();
    private final AtomicInteger finished = new AtomicInteger();
    private volatile Task task;
    private volatile Throwable failure;
    private volatile boolean shutdown;
    private long epoch;

    public ComputePool(int threads) {
        this(threads, GemmBackend.JAVA);
    }

    /**
     * A pool whose {@link MatMul}s run their many-row products with {@code gemm} ({@link GemmBackend#OPENBLAS}:
     * single-threaded OpenBLAS calls on this pool's threads, one per chunk of output columns; see
     * {@link OpenBlasGemm}).
     */
    public ComputePool(int threads, GemmBackend gemm) {
        this.gemm = java.util.Objects.requireNonNull(gemm, "gemm");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    /** The GEMM backend of the MatMuls built over this pool. */
    public GemmBackend gemm() {
        return gemm;
    }

    /** Total threads including the caller. */
    public int threads() {
        return threads;
    }

    /** Runs {@code task} for chunks 0..chunks-1 and returns when all are done; rethrows the first failure. */
    public void run(int chunks, Task task) {
        if (chunks <= 0) {
            return;
        }
        if (chunks > MAX_CHUNKS) {
            throw new IllegalArgumentException("a job may have at most " + MAX_CHUNKS + " chunks, got " + chunks);
        }
        if (workers.length == 0 || chunks == 1 || submit.isHeldByCurrentThread()
                || Thread.currentThread() instanceof Worker) {
            int thread = Thread.currentThread() instanceof Worker w ? w.index : 0;
            for (int c = 0; c < chunks; c++) {
                task.run(c, thread);
            }
            return;
        }
        submit.lock();
        try {
            if (shutdown) {
                throw new IllegalStateException("compute pool is closed");
            }
            this.task = task;
            this.failure = null;
            finished.set(0);
            long e = ++epoch & 0xF_FFFFL;
            state.set((e << EPOCH_SHIFT) | ((long) chunks << COUNT_SHIFT));
            for (Worker w : workers) {
                if (w.sleeping) {
                    LockSupport.unpark(w);
                }
            }
            drain(e, task, 0);
            int spins = 0;
            while (finished.get() < chunks) {
                if (++spins < SPIN_BEFORE_PARK) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            this.task = null;
            Throwable f = failure;
            if (f != null) {
                if (f instanceof RuntimeException r) {
                    throw r;
                }
                if (f instanceof Error err) {
                    throw err;
                }
                throw new RuntimeException(f);
            }
        } finally {
            submit.unlock();
        }
    }

    private void drain(long e, Task t, int thread) {
        while (true) {
            long s = state.get();
            if ((s >>> EPOCH_SHIFT) != e) {
                return;
            }
            int c = (int) (s & FIELD_MASK);
            int n = (int) ((s >>> COUNT_SHIFT) & FIELD_MASK);
            if (c >= n) {
                return;
            }
            if (state.compareAndSet(s, s + 1)) {
                try {
                    t.run(c, thread);
                } catch (Throwable x) {
                    if (failure == null) {
                        failure = x;
                    }
                } finally {
                    finished.incrementAndGet();
                }
            }
        }
    }

    @Override
    public void close() {
        shutdown = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
        for (Worker w : workers) {
            try {
                w.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private final class Worker extends Thread {
        final int index;
        volatile boolean sleeping;

        Worker(int index) {
            super("vlmesh-compute-" + index);
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            int spins = 0;
            while (!shutdown) {
                long e = state.get() >>> EPOCH_SHIFT;
                if (e == seen) {
                    if (++spins < SPIN_BEFORE_PARK) {
                        Thread.onSpinWait();
                        continue;
                    }
                    sleeping = true;
                    if ((state.get() >>> EPOCH_SHIFT) == seen && !shutdown) {
                        LockSupport.park(this);
                    }
                    sleeping = false;
                    spins = 0;
                    continue;
                }
                seen = e;
                spins = 0;
                // read after the state: a successful CAS in drain proves t belongs to epoch e
                Task t = task;
                if (t != null) {
                    drain(e, t, index);
                }
            }
        }
    }
}
