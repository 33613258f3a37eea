package dev.vlmesh.engine.video;

import java.time.Duration;

/** A reader's time budget, checked between packets and frames and from FFmpeg's I/O interrupt callback. */
final class Deadline {
    private final long endNanos;
    private final Duration budget;

    Deadline(Duration budget) {
        this.budget = budget;
        long now = System.nanoTime();
        long b = budget.toNanos();
        this.endNanos = Long.MAX_VALUE - now < b ? Long.MAX_VALUE : now + b;
    }

    boolean passed() {
        return System.nanoTime() - endNanos > 0;
    }

    void check(String doing) throws VideoDecodeTimeoutException {
        if (passed()) {
            throw new VideoDecodeTimeoutException("video decoding did not finish within its budget of "
                    + budget.toMillis() + " ms (while " + doing + "); the file may be corrupt or too large for "
                    + "the time allowed");
        }
    }
}
