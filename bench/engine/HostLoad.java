import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much of the machine a measurement really had. The machine is shared, so every figure carries the share of
 * the CPUs used by other processes while it ran ("foreign load": whole-machine busy time from /proc/stat minus this
 * process's CPU time, over wall time × CPUs; 0.5 on two CPUs means someone else held a full core throughout) and the
 * CPU time this process got per thread it asked for.
 */
record HostLoad(long wallNanos, long busyTicks, long processCpuNanos) {

    private static final double TICK_NANOS = 1e7; // USER_HZ = 100 on Linux
    private static final int CPUS = Runtime.getRuntime().availableProcessors();

    static HostLoad now() {
        long busy = 0;
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
        } catch (IOException | RuntimeException e) {
            busy = -1;
        }
        long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        return new HostLoad(System.nanoTime(), busy, cpu);
    }

    /** Share of all CPUs used by other processes between {@code this} and {@code later}, 0..1 (NaN if unknown). */
    double foreignSince(HostLoad earlier) {
        long wall = wallNanos - earlier.wallNanos;
        if (busyTicks < 0 || earlier.busyTicks < 0 || wall <= 0) {
            return Double.NaN;
        }
        double busy = (busyTicks - earlier.busyTicks) * TICK_NANOS;
        double mine = processCpuNanos - earlier.processCpuNanos;
        // /proc/stat counts in 10 ms ticks: clamp what that rounding does to short intervals
        return Math.min(1, Math.max(0, (busy - mine) / ((double) wall * CPUS)));
    }

    /** This process's CPU time per wall time per requested thread (1.0 = every thread ran all the time). */
    double cpuShareSince(HostLoad earlier, int threads) {
        long wall = wallNanos - earlier.wallNanos;
        return wall <= 0 ? Double.NaN : (processCpuNanos - earlier.processCpuNanos) / ((double) wall * threads);
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
