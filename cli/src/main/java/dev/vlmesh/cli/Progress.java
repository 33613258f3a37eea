package dev.vlmesh.cli;

import java.io.PrintStream;

/**
 * Upload progress on stderr: a line redrawn in place on a terminal, a few milestone lines otherwise (logs, CI), so
 * the output stays readable either way.
 */
final class Progress {

    private final PrintStream err;
    private final String name;
    private final long total;
    private final boolean interactive;
    private final boolean quiet;
    private final long started = System.nanoTime();
    private int lastShown = -1;

    Progress(PrintStream err, String name, long total, boolean interactive, boolean quiet) {
        this.err = err;
        this.name = name;
        this.total = total;
        this.interactive = interactive;
        this.quiet = quiet;
    }

    synchronized void update(long done) {
        if (quiet) {
            return;
        }
        int pct = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
        int step = interactive ? pct : pct / 25 * 25;
        if (step == lastShown) {
            return;
        }
        lastShown = step;
        String line = String.format("uploading %s %3d%% (%s of %s)", name, pct, size(done), size(total));
        if (interactive) {
            err.print("\r" + line);
            if (pct == 100) {
                err.println();
            }
        } else {
            err.println(line);
        }
        err.flush();
    }

    void finished() {
        if (!quiet) {
            double s = (System.nanoTime() - started) / 1e9;
            err.printf("uploaded %s (%s) in %.2f s%n", name, size(total), s);
        }
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format("%.1f KiB", bytes / 1024.0);
        }
        return String.format("%.1f MiB", bytes / (1024.0 * 1024));
    }
}
