package dev.vlmesh.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ComputePoolTest {

    @Test
    void everyChunkRunsExactlyOnceAcrossManyJobs() {
        try (ComputePool pool = new ComputePool(3)) {
            for (int job = 0; job < 2000; job++) {
                int n = 1 + job % 17;
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                pool.run(n, (c, t) -> {
                    assertTrue(t >= 0 && t < 3);
                    seen.incrementAndGet(c);
                });
                for (int c = 0; c < n; c++) {
                    assertEquals(1, seen.get(c), "job " + job + " chunk " + c);
                }
            }
        }
    }

    @Test
    void aJobNeverRunsAChunkOfItsSuccessor() {
        // alternate small and large jobs: a worker late for a small job must not take chunks of the next one
        try (ComputePool pool = new ComputePool(3)) {
            for (int job = 0; job < 200_000; job++) {
                int n = job % 2 == 0 ? 2 : 9;
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                AtomicInteger done = new AtomicInteger();
                pool.run(n, (c, t) -> {
                    seen.incrementAndGet(c);
                    done.incrementAndGet();
                });
                assertEquals(n, done.get(), "job " + job + " returned before all chunks finished");
                for (int c = 0; c < n; c++) {
                    assertEquals(1, seen.get(c), "job " + job + " chunk " + c);
                }
            }
        }
    }

    @Test
    void aFailingChunkFailsTheJobAndThePoolStaysUsable() {
        try (ComputePool pool = new ComputePool(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(8, (c, t) -> {
                if (c == 5) {
                    throw new IllegalStateException("chunk 5");
                }
            }));
            assertEquals("chunk 5", e.getMessage());
            AtomicInteger n = new AtomicInteger();
            pool.run(10, (c, t) -> n.incrementAndGet());
            assertEquals(10, n.get());
        }
    }

    @Test
    void nestedAndConcurrentSubmissionsComplete() throws InterruptedException {
        try (ComputePool pool = new ComputePool(2)) {
            AtomicInteger inner = new AtomicInteger();
            pool.run(4, (c, t) -> pool.run(3, (c2, t2) -> inner.incrementAndGet()));
            assertEquals(12, inner.get());
            AtomicInteger total = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(3);
            for (int i = 0; i < 3; i++) {
                Thread th = new Thread(() -> {
                    for (int j = 0; j < 300; j++) {
                        pool.run(5, (c, t) -> total.incrementAndGet());
                    }
                    done.countDown();
                });
                th.start();
            }
            done.await();
            assertEquals(3 * 300 * 5, total.get());
        }
    }

    @Test
    void workersParkWhenIdleAndWakeUp() throws InterruptedException {
        try (ComputePool pool = new ComputePool(2)) {
            pool.run(4, (c, t) -> { });
            Thread.sleep(300); // long enough for the worker to stop spinning and park
            AtomicInteger byWorker = new AtomicInteger();
            for (int i = 0; i < 50; i++) {
                pool.run(64, (c, t) -> {
                    if (t == 1) {
                        byWorker.incrementAndGet();
                    }
                    long until = System.nanoTime() + 20_000;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                });
            }
            assertTrue(byWorker.get() > 0, "the parked worker never took a chunk");
        }
    }
}
