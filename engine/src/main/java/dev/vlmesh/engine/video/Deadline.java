package dev.vlmesh.engine.video;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A reader's time budget, checked between packets and frames and from FFmpeg's I/O interrupt callback. Only time
 * spent inside the reader counts: the clock runs from {@link #resume()} to {@link #pause()} (nested calls count once),
 * so a caller that decodes a window, spends minutes describing it, then asks for the next window (segment mode) is not
 * charged for the minutes in between, while every single call still ends within the budget.
 */
final class Deadline {
    private final long budgetNanos;
    private final Duration budget;
    private final LongSupplier clock;
    private long spentNanos;
    private long since;
    private int depth;

    /** A budget whose clock is running (the reader's {@code open} is the first call). */
    Deadline(Duration budget, LongSupplier clock) {
        this.budget = budget;
        this.budgetNanos = budget.toNanos();
        this.clock = clock;
        resume();
    }

    /** Starts counting (again), or enters a nested call. */
    void resume() {
        if (depth++ == 0) {
            since = clock.getAsLong();
        }
    }

    /** Stops counting when the outermost call ends. */
    void pause() {
        if (depth > 0 && --depth == 0) {
            spentNanos += clock.getAsLong() - since;
        }
    }

    boolean passed() {
        long spent = spentNanos + (depth > 0 ? clock.getAsLong() - since : 0);
        return spent > budgetNanos;
    }

    void check(String doing) throws VideoDecodeTimeoutException {
        if (passed()) {
            throw new VideoDecodeTimeoutException("video decoding did not finish within its budget of "
                    + budget.toMillis() + " ms (while " + doing + "); the file may be corrupt or too large for "
                    + "the time allowed");
        }
    }
}
