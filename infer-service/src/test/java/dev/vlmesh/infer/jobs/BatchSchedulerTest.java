package dev.vlmesh.infer.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchSchedulerTest {

    private record Item(String name, int priority, long memoryBytes, CountDownLatch release, List<String> log,
                        AtomicInteger concurrent, AtomicInteger peak) implements BatchScheduler.Work {
        @Override
        public void run() {
            peak.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            log.add(name);
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                concurrent.decrementAndGet();
            }
        }
    }

    @Test
    void runsUpToTheBatchSizeAndAShortJobPassesALongOne() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch longJob = new CountDownLatch(1);
        CountDownLatch shortJobs = new CountDownLatch(1);
        try (BatchScheduler s = new BatchScheduler(2, 1000)) {
            s.submit(new Item("long", 0, 10, longJob, log, concurrent, peak));
            for (int i = 0; i < 4; i++) {
                s.submit(new Item("short" + i, 0, 10, shortJobs, log, concurrent, peak));
            }
            awaitTrue(() -> log.size() == 2);
            shortJobs.countDown(); // the long job keeps its slot; the short ones flow through the other
            awaitTrue(() -> log.size() == 5);
            assertEquals(2, peak.get());
            assertTrue(log.indexOf("short3") > 0, "short jobs ran while the long one was running");
            longJob.countDown();
        }
    }

    @Test
    void memoryBudgetHoldsBackWhatDoesNotFitButNotSmallerWork() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch hold = new CountDownLatch(1);
        try (BatchScheduler s = new BatchScheduler(4, 100)) {
            s.submit(new Item("big", 0, 80, hold, log, concurrent, peak));
            awaitTrue(() -> log.size() == 1);
            s.submit(new Item("too-big", 5, 50, hold, log, concurrent, peak));
            s.submit(new Item("small", 0, 20, hold, log, concurrent, peak));
            awaitTrue(() -> log.size() == 2);
            assertEquals(List.of("big", "small"), log, "the high-priority item that does not fit waits");
            hold.countDown();
            awaitTrue(() -> log.size() == 3);
        }
    }

    @Test
    void higherPriorityFirst() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch open = new CountDownLatch(0);
        try (BatchScheduler s = new BatchScheduler(1, 1000)) {
            s.submit(new Item("first", 0, 1, gate, log, concurrent, peak));
            awaitTrue(() -> log.size() == 1);
            s.submit(new Item("low", 0, 1, open, log, concurrent, peak));
            s.submit(new Item("high", 9, 1, open, log, concurrent, peak));
            gate.countDown();
            awaitTrue(() -> log.size() == 3);
            assertEquals(List.of("first", "high", "low"), log);
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in 10 s");
            }
            Thread.sleep(5); // polling a condition set by other threads
        }
    }
}
