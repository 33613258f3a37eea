import java.io.Writer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CyclicBarrier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's limits for the engine benchmark, measured with the same tools the engine uses (Java, Vector API):
 * memory read bandwidth (a vector sum over a 1 GiB off-heap array, far larger than the caches) and fp32 FMA
 * throughput (12 independent FMA chains on the preferred vector width), for 1 and 2 threads. Best of several
 * samples is the limit (a shared machine only ever makes a sample slower); the median is printed beside it.
 *
 * usage: MachineLimits OUT.properties [--quick]
 */
public final class MachineLimits {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final long ARRAY_BYTES = 1L << 30;
    private static final long CHUNK = 1 << 20;

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        boolean quick = args.length > 1 && args[1].equals("--quick");
        int samples = quick ? 3 : 7;
        Properties p = new Properties();
        p.setProperty("vector.bits", String.valueOf(S.vectorBitSize()));
        System.out.printf(Locale.ROOT, "== machine limits (Vector API %d-bit float vectors, %d samples each)%n",
                S.vectorBitSize(), samples);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment array = arena.allocate(ARRAY_BYTES, 64);
            array.fill((byte) 0x3c); // touches every page; each float is about 0.0115
            for (int threads = 1; threads <= 2; threads++) {
                double[] gbs = bandwidth(array, threads, samples);
                record(p, "bandwidth." + threads, gbs, "GB/s", "memory read bandwidth, " + threads + " thread(s)");
            }
        }
        for (int threads = 1; threads <= 2; threads++) {
            double[] gflops = fma(threads, samples);
            record(p, "fma." + threads, gflops, "GFLOP/s", "fp32 FMA throughput, " + threads + " thread(s)");
        }
        p.setProperty("load.after", HostLoad.loadAverage());
        try (Writer w = Files.newBufferedWriter(out)) {
            p.store(w, "machine limits measured by bench/engine/MachineLimits.java");
        }
    }

    private static void record(Properties p, String key, double[] samples, String unit, String what) {
        double[] s = samples.clone();
        Arrays.sort(s);
        double best = s[s.length - 1];
        double median = s[s.length / 2];
        p.setProperty(key, String.format(Locale.ROOT, "%.2f", best));
        p.setProperty(key + ".median", String.format(Locale.ROOT, "%.2f", median));
        System.out.printf(Locale.ROOT, "%-45s best %7.1f %s   median %7.1f   (samples %s)%n", what, best, unit,
                median, Arrays.toString(Arrays.stream(samples).map(x -> Math.round(x * 10) / 10.0).toArray()));
    }

    // ------------------------------------------------------------------ bandwidth

    /** GB/s per sample: each thread streams its own part of the array several times. */
    private static double[] bandwidth(MemorySegment array, int threads, int samples) throws Exception {
        int passes = 6;
        long part = ARRAY_BYTES / threads;
        sum(array.asSlice(0, 64L << 20)); // compile the kernel before timing
        sum(array.asSlice(0, 64L << 20));
        double[] out = new double[samples];
        for (int s = 0; s < samples; s++) {
            HostLoad before = HostLoad.now();
            double seconds = parallel(threads, t -> {
                MemorySegment mine = array.asSlice(t * part, part);
                float acc = 0;
                for (int i = 0; i < passes; i++) {
                    acc += sum(mine);
                }
                return acc;
            });
            out[s] = ARRAY_BYTES * (double) passes / seconds / 1e9;
            HostLoad after = HostLoad.now();
            if (s == samples - 1) {
                System.out.printf(Locale.ROOT, "   (last sample: foreign load %.2f, load average %s)%n",
                        after.foreignSince(before), HostLoad.loadAverage());
            }
        }
        return out;
    }

    private static float sum(MemorySegment seg) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int step = S.vectorByteSize();
        for (long base = 0; base < seg.byteSize(); base += CHUNK) {
            MemorySegment c = seg.asSlice(base, Math.min(CHUNK, seg.byteSize() - base));
            int n = (int) c.byteSize();
            for (int off = 0; off <= n - 4 * step; off += 4 * step) {
                a0 = a0.add(FloatVector.fromMemorySegment(S, c, off, ByteOrder.LITTLE_ENDIAN));
                a1 = a1.add(FloatVector.fromMemorySegment(S, c, off + step, ByteOrder.LITTLE_ENDIAN));
                a2 = a2.add(FloatVector.fromMemorySegment(S, c, off + 2 * step, ByteOrder.LITTLE_ENDIAN));
                a3 = a3.add(FloatVector.fromMemorySegment(S, c, off + 3 * step, ByteOrder.LITTLE_ENDIAN));
            }
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    // ------------------------------------------------------------------ FMA

    private static final int CHAINS = 12;

    private static double[] fma(int threads, int samples) throws Exception {
        long iters = 100_000_000L;
        chains(1_000_000);
        chains(1_000_000);
        double[] out = new double[samples];
        for (int s = 0; s < samples; s++) {
            double seconds = parallel(threads, t -> chains(iters));
            out[s] = 2.0 * CHAINS * S.length() * iters * threads / seconds / 1e9;
        }
        return out;
    }

    /** 12 independent dependency chains of acc = acc * m + c: enough in flight to cover the FMA latency. */
    private static float chains(long iters) {
        FloatVector m = FloatVector.broadcast(S, 0.9999999f);
        FloatVector c = FloatVector.broadcast(S, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = FloatVector.broadcast(S, 1.1f);
        FloatVector a2 = FloatVector.broadcast(S, 1.2f), a3 = FloatVector.broadcast(S, 1.3f);
        FloatVector a4 = FloatVector.broadcast(S, 1.4f), a5 = FloatVector.broadcast(S, 1.5f);
        FloatVector a6 = FloatVector.broadcast(S, 1.6f), a7 = FloatVector.broadcast(S, 1.7f);
        FloatVector a8 = FloatVector.broadcast(S, 1.8f), a9 = FloatVector.broadcast(S, 1.9f);
        FloatVector a10 = FloatVector.broadcast(S, 2.0f), a11 = FloatVector.broadcast(S, 2.1f);
        for (long i = 0; i < iters; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    // ------------------------------------------------------------------ threads

    interface Work {
        float run(int thread) throws Exception;
    }

    /** Runs {@code work} on {@code threads} threads started together; seconds until the last one finished. */
    private static double parallel(int threads, Work work) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        List<Thread> ts = new ArrayList<>();
        float[] sink = new float[threads];
        Exception[] failure = new Exception[1];
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    sink[id] = work.run(id);
                } catch (Exception e) {
                    failure[0] = e;
                }
            });
            ts.add(th);
        }
        start.await();
        long t0 = System.nanoTime();
        for (Thread th : ts) {
            th.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (failure[0] != null) {
            throw failure[0];
        }
        if (Float.isNaN(sink[0])) {
            System.out.print(""); // keeps the results alive
        }
        return seconds;
    }
}
