package dev.vlmesh.results;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition by checking it again and again (no fixed sleeps standing in for a condition). */
public final class Eventually {

    private Eventually() {
    }

    public static void until(Duration timeout, String what, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.get())) {
                    return;
                }
            } catch (RuntimeException | AssertionError e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
    }
}
