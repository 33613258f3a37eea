import dev.vlmesh.engine.generate.EngineOptions;
import dev.vlmesh.engine.generate.InternVlModel;
import dev.vlmesh.engine.generate.PreparedInput;
import dev.vlmesh.engine.image.PixelValues;
import dev.vlmesh.engine.kernel.ComputePool;
import dev.vlmesh.engine.kernel.MatMul;
import dev.vlmesh.engine.tensor.DType;
import dev.vlmesh.engine.tensor.WeightMatrix;
import java.io.Reader;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The engine's Java GEMM ({@link MatMul#linear}) against OpenBLAS's {@code cblas_sgemm} from the bytedeco preset
 * ({@code org.bytedeco:openblas}, loaded through JavaCPP's Loader, called through the FFM API), in one JVM, on the
 * GEMM shapes that dominate a 448 InternViT-300M tile and a 256-token Qwen2.5-0.5B prefill chunk, plus one decode
 * GEMV. Variants, each at 1 and 2 threads:
 * <ul>
 *   <li>{@code java-bf16} / {@code java-f32}: MatMul on bf16 / f32 weights (its GEMM path from 8 rows, GEMV below);
 *   <li>{@code blas-widen}: bf16 weights widened into an f32 scratch on every call (the widening is timed, it runs on
 *       the same thread count through a ComputePool), then sgemm (sgemv for one row);
 *   <li>{@code blas-f32}: sgemm (sgemv) on a copy of the weights widened once up front (2× the weight memory);
 *   <li>{@code engine-openblas}: MatMul on bf16 weights on a {@code GemmBackend.OPENBLAS} pool — the engine's own
 *       OpenBLAS path (chunks of output columns, each widened and multiplied by a single-threaded sgemm on a pool
 *       thread); present when the engine has that backend.
 * </ul>
 * Samples alternate between the variants (A B C D … A B C D …, the starting variant rotating per round) so that a
 * change in the machine's load hits all of them alike; the median is reported, with the CPU share the process got and
 * the foreign load (other processes' share of the CPUs) while it ran. The weights are random bf16 values, the f32
 * copy holds exactly the same numbers, so every variant computes the same product; the largest difference to
 * {@code java-bf16} is printed relative to the largest output.
 *
 * <p>The library's {@code cblas_sbgemm} (bf16 GEMM) is looked up and used when the shipped build exports it.
 * OpenBLAS picks its kernels at load from the CPU, or from {@code OPENBLAS_CORETYPE} if set: every BLAS figure is
 * labelled with {@code openblas_get_corename()}.
 *
 * usage: BlasVsJava --limits LIMITS.properties [--reps 7] [--threads 1,2] [--shapes all|vision|prefill|decode]
 *        [--out results.tsv] [--lib /path/libopenblas.so] [--model CHECKPOINT_DIR]
 *
 * <p>With {@code --model}: the engine end to end instead of single products — one model per backend over the same
 * checkpoint ({@code GemmBackend.JAVA} and {@code OPENBLAS} pools), alternating: vision per 448 tile
 * ({@code imageFeatures}) and a 256-token text prefill ({@code lastLogits}).
 */
public final class BlasVsJava {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    record Shape(String group, String name, int rows, int in, int out) {
        double gflop() {
            return 2.0 * rows * in * out / 1e9;
        }

        String dims() {
            return rows + " × " + in + " → " + out;
        }
    }

    static final Shape[] SHAPES = {
        new Shape("vision", "InternViT qkv", 1025, 1024, 3072),
        new Shape("vision", "InternViT fc1", 1025, 1024, 4096),
        new Shape("vision", "InternViT fc2", 1025, 4096, 1024),
        new Shape("prefill", "Qwen2.5-0.5B qkv", 256, 896, 1152),
        new Shape("prefill", "Qwen2.5-0.5B gate+up", 256, 896, 9728),
        new Shape("prefill", "Qwen2.5-0.5B down", 256, 4864, 896),
        new Shape("decode", "Qwen2.5-0.5B gate+up GEMV", 1, 896, 9728),
    };

    enum Kind { JAVA_BF16, JAVA_F32, BLAS_WIDEN, BLAS_F32, BLAS_SBGEMM, ENGINE_OPENBLAS }

    record Variant(Kind kind, int threads) {
        String label() {
            return kind.name().toLowerCase(Locale.ROOT).replace('_', '-') + " " + threads + "T";
        }
    }

    public static void main(String[] args) throws Throwable {
        Path limitsFile = null;
        Path out = null;
        String lib = null;
        int reps = 7;
        int[] threadCounts = {1, 2};
        String shapes = "all";
        String model = null;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--limits" -> limitsFile = Path.of(v);
                case "--out" -> out = Path.of(v);
                case "--lib" -> lib = v;
                case "--reps" -> reps = Integer.parseInt(v);
                case "--threads" -> threadCounts = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--shapes" -> shapes = v;
                case "--model" -> model = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Properties limits = new Properties();
        if (limitsFile != null) {
            try (Reader r = Files.newBufferedReader(limitsFile)) {
                limits.load(r);
            }
        }
        OpenBlas blas = OpenBlas.load(lib);
        String coretype = System.getenv("OPENBLAS_CORETYPE");
        System.out.printf(Locale.ROOT, "== OpenBLAS %s%n", blas.path);
        System.out.printf(Locale.ROOT, "   openblas_get_corename() = %s%n", blas.corename());
        System.out.printf(Locale.ROOT, "   openblas_get_config()   = %s%n", blas.config());
        System.out.printf(Locale.ROOT, "   OPENBLAS_CORETYPE       = %s%n", coretype == null ? "(unset)" : coretype);
        System.out.printf(Locale.ROOT, "   openblas threads at load = %d (set per sample with openblas_set_num_threads)%n",
                blas.threads());
        System.out.printf(Locale.ROOT, "   cblas_sbgemm exported: %s%n", blas.sbgemm != null ? "yes" : "no");
        System.out.printf(Locale.ROOT, "   Java %s, Vector API %d-bit, MatMul GEMM from %d rows; limits %s%n",
                Runtime.version(), FloatVector.SPECIES_PREFERRED.vectorBitSize(), MatMul.GEMM_MIN_ROWS,
                limitsFile == null ? "(none)" : limitsFile + " (fma.1 " + limits.getProperty("fma.1") + ", fma.2 "
                        + limits.getProperty("fma.2") + " GFLOP/s)");

        List<Variant> variants = new ArrayList<>();
        for (int t : threadCounts) {
            variants.add(new Variant(Kind.JAVA_BF16, t));
            variants.add(new Variant(Kind.JAVA_F32, t));
            variants.add(new Variant(Kind.BLAS_WIDEN, t));
            variants.add(new Variant(Kind.BLAS_F32, t));
            if (blas.sbgemm != null) {
                variants.add(new Variant(Kind.BLAS_SBGEMM, t));
            }
            if (engineHasOpenblas()) {
                variants.add(new Variant(Kind.ENGINE_OPENBLAS, t));
            }
        }
        int maxThreads = Arrays.stream(threadCounts).max().orElse(1);
        ComputePool[] pools = new ComputePool[maxThreads + 1];
        MatMul[] mm = new MatMul[maxThreads + 1];
        ComputePool[] blasPools = new ComputePool[maxThreads + 1];
        MatMul[] blasMm = new MatMul[maxThreads + 1];
        for (int t : threadCounts) {
            pools[t] = new ComputePool(t);
            mm[t] = new MatMul(pools[t]);
            blasPools[t] = openblasPool(t);
            blasMm[t] = blasPools[t] == null ? null : new MatMul(blasPools[t]);
        }
        if (model != null) {
            modelMode(Path.of(model), threadCounts, reps, pools, blasPools, limits, blas.corename(), out);
            return;
        }

        List<String> rowsOut = new ArrayList<>();
        String header = "shape\tdims\tGFLOP\tthreads\tvariant\tkernel\tmedian_ms\tgflops\tfraction_of_fma_peak"
                + "\tspeedup_vs_java_bf16\tmax_rel_diff\tcpu_share\tforeign_load\tbest_gflops\tcpu_normalised_gflops"
                + "\tcpu_normalised_fraction\tsamples_ms";
        rowsOut.add(header);
        String core = blas.corename();
        for (Shape s : SHAPES) {
            if (!shapes.equals("all") && !Arrays.asList(shapes.split(",")).contains(s.group)) {
                continue;
            }
            rowsOut.addAll(runShape(s, variants, pools, mm, blasMm, blas, core, reps, limits));
        }
        for (ComputePool p : pools) {
            if (p != null) {
                p.close();
            }
        }
        for (ComputePool p : blasPools) {
            if (p != null) {
                p.close();
            }
        }
        if (out != null) {
            Files.write(out, rowsOut);
        }
        System.out.println();
        System.out.println("| shape | rows × in → out | threads | variant | kernel | median ms | GFLOP/s | of FMA peak "
                + "| best GFLOP/s | cpu-normalised GFLOP/s | of FMA peak | vs java-bf16 | cpu share | foreign load |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (String r : rowsOut.subList(1, rowsOut.size())) {
            String[] f = r.split("\t");
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    f[0], f[1], f[3], f[4], f[5], f[6], f[7], f[8], f[13], f[14], f[15], f[9], f[11], f[12]);
        }
    }

    private static List<String> runShape(Shape s, List<Variant> variants, ComputePool[] pools, MatMul[] mm,
                                         MatMul[] blasMm, OpenBlas blas, String core, int reps, Properties limits) throws Throwable {
        System.out.printf(Locale.ROOT, "%n== %s: %s (%.2f GFLOP), load average %s%n", s.name, s.dims(), s.gflop(),
                HostLoad.loadAverage());
        SplittableRandom rnd = new SplittableRandom(s.rows * 31L + s.in * 7L + s.out);
        float[] x = new float[s.rows * s.in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        List<String> result = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            long n = (long) s.out * s.in;
            MemorySegment wBf16 = arena.allocate(2 * n, 64);
            MemorySegment wF32 = arena.allocate(4 * n, 64);
            MemorySegment scratch = arena.allocate(4 * n, 64);
            for (long e = 0; e < n; e++) {
                float v = (float) ((rnd.nextDouble() * 2 - 1) * 0.05);
                short b = (short) (Float.floatToRawIntBits(v) >>> 16);
                wBf16.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), e, b);
                wF32.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), e,
                        Float.intBitsToFloat(b << 16));
            }
            WeightMatrix jBf16 = WeightMatrix.of(DType.BF16, wBf16, s.out, s.in);
            WeightMatrix jF32 = WeightMatrix.of(DType.F32, wF32, s.out, s.in);
            float[][] y = new float[variants.size()][s.rows * s.out];
            Runnable[] runs = new Runnable[variants.size()];
            for (int v = 0; v < variants.size(); v++) {
                Variant var = variants.get(v);
                float[] yv = y[v];
                int t = var.threads;
                runs[v] = switch (var.kind) {
                    case JAVA_BF16 -> () -> mm[t].linear(x, s.rows, jBf16, null, yv);
                    case JAVA_F32 -> () -> mm[t].linear(x, s.rows, jF32, null, yv);
                    case BLAS_WIDEN -> () -> {
                        blas.setThreads(t);
                        widen(pools[t], wBf16, scratch, s.out, s.in);
                        blas.gemm(x, s.rows, s.in, scratch, s.out, yv);
                    };
                    case BLAS_F32 -> () -> {
                        blas.setThreads(t);
                        blas.gemm(x, s.rows, s.in, wF32, s.out, yv);
                    };
                    case ENGINE_OPENBLAS -> () -> blasMm[t].linear(x, s.rows, jBf16, null, yv);
                    case BLAS_SBGEMM -> () -> {
                        blas.setThreads(t);
                        blas.sbgemm(x, s.rows, s.in, wBf16, s.out, yv, arena);
                    };
                };
            }
            // warm-up: JIT for the Java kernels, OpenBLAS's thread start and buffers
            for (int w = 0; w < 2; w++) {
                for (Runnable r : runs) {
                    r.run();
                }
            }
            double[] relDiff = new double[variants.size()];
            for (int v = 0; v < variants.size(); v++) {
                relDiff[v] = maxRelDiff(y[v], y[0]);
            }
            double[][] ms = new double[variants.size()][reps];
            double[][] cpuNorm = new double[variants.size()][reps];
            double[] cpu = new double[variants.size()];
            double[] foreign = new double[variants.size()];
            for (int rep = 0; rep < reps; rep++) {
                for (int k = 0; k < variants.size(); k++) {
                    int v = (k + rep) % variants.size();
                    Thread.sleep(200); // let OpenBLAS's and the pool's spinning threads go idle first
                    HostLoad before = HostLoad.now();
                    long cpu0 = taskCpuNanos();
                    runs[v].run();
                    long cpu1 = taskCpuNanos();
                    HostLoad after = HostLoad.now();
                    ms[v][rep] = (after.wallNanos() - before.wallNanos()) / 1e6;
                    // GFLOP/s had every requested thread been on a CPU the whole time (CPU time of all the process's
                    // threads, OpenBLAS's own included, ÷ threads); spinning while waiting for a descheduled partner
                    // counts as time used
                    cpuNorm[v][rep] = s.gflop() / ((cpu1 - cpu0) / 1e9 / variants.get(v).threads);
                    cpu[v] += after.cpuShareSince(before, variants.get(v).threads) / reps;
                    foreign[v] += after.foreignSince(before) / reps;
                }
            }
            double javaBf16Median = Double.NaN;
            for (int v = 0; v < variants.size(); v++) {
                Variant var = variants.get(v);
                double med = median(ms[v]);
                if (var.kind == Kind.JAVA_BF16) {
                    javaBf16Median = med;
                }
                double gflops = s.gflop() / (med / 1e3);
                double best = s.gflop() / (Arrays.stream(ms[v]).min().orElseThrow() / 1e3);
                double cpuGflops = median(cpuNorm[v]);
                double peak = Double.parseDouble(limits.getProperty("fma." + var.threads, "NaN"));
                String kernel = switch (var.kind) {
                    case JAVA_BF16, JAVA_F32 -> "Java Vector API (" + (s.rows >= MatMul.GEMM_MIN_ROWS ? "GEMM" : "GEMV")
                            + ")";
                    case BLAS_WIDEN, BLAS_F32 -> "OpenBLAS " + (s.rows == 1 ? "sgemv" : "sgemm") + " [" + core + "]";
                    case BLAS_SBGEMM -> "OpenBLAS sbgemm [" + core + "]";
                    case ENGINE_OPENBLAS -> s.rows >= MatMul.GEMM_MIN_ROWS
                            ? "MatMul gemm=OPENBLAS: sgemm [" + core + "]" : "MatMul gemm=OPENBLAS: Java GEMV";
                };
                // speed-up against java-bf16 at the same thread count
                double ref = median(ms[indexOf(variants, Kind.JAVA_BF16, var.threads)]);
                String row = String.format(Locale.ROOT,
                        "%s\t%s\t%.3f\t%d\t%s\t%s\t%.1f\t%.1f\t%.3f\t%.2f\t%.1e\t%.2f\t%.2f\t%.1f\t%.1f\t%.3f\t%s",
                        s.name, s.dims(), s.gflop(), var.threads, var.kind.name().toLowerCase(Locale.ROOT).replace('_', '-'),
                        kernel, med, gflops, gflops / peak, ref / med, relDiff[v], cpu[v], foreign[v], best, cpuGflops,
                        cpuGflops / peak,
                        Arrays.toString(Arrays.stream(ms[v]).map(d -> Math.round(d * 10) / 10.0).toArray()));
                result.add(row);
                System.out.printf(Locale.ROOT, "   %-16s %-30s median %9.1f ms %7.1f GFLOP/s (%.2f of FMA peak, best %.1f,"
                                + " cpu-normalised %.1f = %.2f) ×%.2f vs java-bf16, diff %.1e, cpu %.2f, foreign %.2f%n",
                        var.label(), kernel, med, gflops, gflops / peak, best, cpuGflops, cpuGflops / peak, ref / med,
                        relDiff[v], cpu[v], foreign[v]);
            }
        }
        return result;
    }

    /**
     * CPU time of every thread of this process in nanoseconds, from {@code /proc/self/task/* /schedstat} (the JVM's
     * process CPU time counts in 10 ms ticks, too coarse for one sample).
     */
    private static long taskCpuNanos() {
        long sum = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String line = Files.readString(t.resolve("schedstat"));
                    sum += Long.parseLong(line.substring(0, line.indexOf(' ')));
                } catch (java.io.IOException | RuntimeException e) {
                    // a thread that ended meanwhile
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return sum;
    }

    private static int indexOf(List<Variant> variants, Kind kind, int threads) {
        for (int i = 0; i < variants.size(); i++) {
            if (variants.get(i).kind == kind && variants.get(i).threads == threads) {
                return i;
            }
        }
        throw new IllegalStateException();
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double maxRelDiff(float[] a, float[] ref) {
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < a.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - ref[i]));
        }
        return maxDiff / maxRef;
    }

    /**
     * A pool whose MatMuls use the engine's OpenBLAS backend ({@code new ComputePool(t, GemmBackend.OPENBLAS)}),
     * looked up reflectively so that this file still compiles against engines without it (run.sh --at REV); null
     * there.
     */
    static ComputePool openblasPool(int threads) throws Exception {
        if (!engineHasOpenblas()) {
            return null;
        }
        Class<?> backend = Class.forName("dev.vlmesh.engine.kernel.GemmBackend");
        Object openblas = backend.getField("OPENBLAS").get(null);
        return (ComputePool) ComputePool.class.getConstructor(int.class, backend).newInstance(threads, openblas);
    }

    static boolean engineHasOpenblas() {
        try {
            Class.forName("dev.vlmesh.engine.kernel.GemmBackend");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static void modelMode(Path dir, int[] threadCounts, int reps, ComputePool[] pools, ComputePool[] blasPools,
                                  Properties limits, String core, Path out) throws Throwable {
        if (blasPools[threadCounts[0]] == null) {
            throw new IllegalStateException("this engine has no OpenBLAS GEMM backend");
        }
        List<String> rows = new ArrayList<>();
        rows.add("measurement\tthreads\tbackend\tmedian_ms\tspeedup_vs_java\tcpu_share\tforeign_load\tsamples_ms");
        for (int t : threadCounts) {
            try (InternVlModel java = InternVlModel.load(dir, EngineOptions.defaults().withSharedPool(pools[t]));
                 InternVlModel blas = InternVlModel.load(dir, EngineOptions.defaults().withSharedPool(blasPools[t]))) {
                int size = 448;
                SplittableRandom rnd = new SplittableRandom(1);
                float[] px = new float[3 * size * size];
                for (int i = 0; i < px.length; i++) {
                    px[i] = (float) (rnd.nextDouble() * 4 - 2);
                }
                PixelValues tile = new PixelValues(1, size, px);
                int[] ids = new int[256];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = 1000 + rnd.nextInt(20000);
                }
                PreparedInput text = PreparedInput.withFeatures(ids, new float[0], java.imageTokenId());
                String[] names = {"vision_per_tile", "prefill_256"};
                Runnable[][] runs = {
                    {() -> java.imageFeatures(tile), () -> blas.imageFeatures(tile)},
                    {() -> java.lastLogits(text), () -> blas.lastLogits(text)},
                };
                for (int m = 0; m < names.length; m++) {
                    float[] a = m == 0 ? java.imageFeatures(tile) : java.lastLogits(text);
                    float[] b = m == 0 ? blas.imageFeatures(tile) : blas.lastLogits(text);
                    System.out.printf(Locale.ROOT, "%n== %s, %d thread(s): OpenBLAS vs Java max rel diff %.1e, load "
                            + "average %s%n", names[m], t, maxRelDiff(b, a), HostLoad.loadAverage());
                    double[][] ms = new double[2][reps];
                    double[] cpu = new double[2];
                    double[] foreign = new double[2];
                    for (int rep = 0; rep < reps; rep++) {
                        for (int k = 0; k < 2; k++) {
                            int v = (k + rep) % 2;
                            Thread.sleep(200);
                            HostLoad before = HostLoad.now();
                            runs[m][v].run();
                            HostLoad after = HostLoad.now();
                            ms[v][rep] = (after.wallNanos() - before.wallNanos()) / 1e6;
                            cpu[v] += after.cpuShareSince(before, t) / reps;
                            foreign[v] += after.foreignSince(before) / reps;
                        }
                    }
                    for (int v = 0; v < 2; v++) {
                        String backend = v == 0 ? "JAVA" : "OPENBLAS [" + core + "]";
                        double med = median(ms[v]);
                        String row = String.format(Locale.ROOT, "%s\t%d\t%s\t%.1f\t%.2f\t%.2f\t%.2f\t%s", names[m], t,
                                backend, med, median(ms[0]) / med, cpu[v], foreign[v],
                                Arrays.toString(Arrays.stream(ms[v]).map(d -> Math.round(d)).toArray()));
                        rows.add(row);
                        System.out.printf(Locale.ROOT, "   %-22s median %9.1f ms  ×%.2f vs JAVA, cpu %.2f, foreign %.2f, "
                                + "samples %s%n", backend, med, median(ms[0]) / med, cpu[v], foreign[v],
                                Arrays.toString(Arrays.stream(ms[v]).map(d -> Math.round(d)).toArray()));
                    }
                }
            }
        }
        if (out != null) {
            Files.write(out, rows);
        }
    }

    // ------------------------------------------------------------------ bf16 → f32 widening (timed with blas-widen)

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int WIDEN_ROWS = 64;

    /** bf16 [rows, cols] at {@code src} → f32 at {@code dst}, in chunks of 64 rows on the pool's threads. */
    static void widen(ComputePool pool, MemorySegment src, MemorySegment dst, int rows, int cols) {
        pool.run((rows + WIDEN_ROWS - 1) / WIDEN_ROWS, (chunk, thread) -> {
            long e0 = (long) chunk * WIDEN_ROWS * cols;
            long e1 = Math.min((long) rows, (long) (chunk + 1) * WIDEN_ROWS) * cols;
            long e = e0;
            for (; e + F.length() <= e1; e += F.length()) {
                IntVector i = (IntVector) ShortVector.fromMemorySegment(S, src, 2 * e, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.S2I, I, 0);
                i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                        .intoMemorySegment(dst, 4 * e, ByteOrder.LITTLE_ENDIAN);
            }
            for (; e < e1; e++) {
                dst.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4 * e,
                        Float.intBitsToFloat(src.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * e) << 16));
            }
        });
    }

    // ------------------------------------------------------------------ OpenBLAS through FFM

    /** The OpenBLAS shipped in org.bytedeco:openblas (linux-x86_64), loaded by JavaCPP, called through FFM. */
    static final class OpenBlas {
        final String path;
        final MethodHandle sgemm;
        final MethodHandle sgemv;
        final MethodHandle sbgemm;
        final MethodHandle setNumThreads;
        final MethodHandle getNumThreads;
        final MethodHandle getCorename;
        final MethodHandle getConfig;

        private OpenBlas(String path, SymbolLookup lookup) {
            this.path = path;
            Linker linker = Linker.nativeLinker();
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
            java.lang.foreign.AddressLayout a = ValueLayout.ADDRESS;
            // critical + heap access: the float[] activations go to the library without a copy (GEMM calls are
            // synchronous; the library never calls back into Java)
            Linker.Option critical = Linker.Option.critical(true);
            sgemm = linker.downcallHandle(lookup.findOrThrow("cblas_sgemm"),
                    FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, a, i, a, i, f, a, i), critical);
            sgemv = linker.downcallHandle(lookup.findOrThrow("cblas_sgemv"),
                    FunctionDescriptor.ofVoid(i, i, i, i, f, a, i, a, i, f, a, i), critical);
            sbgemm = lookup.find("cblas_sbgemm").map(s -> linker.downcallHandle(s,
                    FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, a, i, a, i, f, a, i), critical)).orElse(null);
            setNumThreads = linker.downcallHandle(lookup.findOrThrow("openblas_set_num_threads"),
                    FunctionDescriptor.ofVoid(i));
            getNumThreads = linker.downcallHandle(lookup.findOrThrow("openblas_get_num_threads"),
                    FunctionDescriptor.of(i));
            getCorename = linker.downcallHandle(lookup.findOrThrow("openblas_get_corename"),
                    FunctionDescriptor.of(a));
            getConfig = linker.downcallHandle(lookup.findOrThrow("openblas_get_config"), FunctionDescriptor.of(a));
        }

        /**
         * {@code explicitPath} null: JavaCPP's Loader extracts the preset's natives (libopenblas.so.0 and its
         * libgfortran) into its cache and loads them; the same file is then opened again for FFM.
         */
        static OpenBlas load(String explicitPath) throws Exception {
            Path lib;
            if (explicitPath != null) {
                lib = Path.of(explicitPath);
            } else {
                Class<?> preset = Class.forName("org.bytedeco.openblas.global.openblas_nolapack");
                String jni = org.bytedeco.javacpp.Loader.load(preset);
                Path dir = Path.of(jni).getParent();
                try (Stream<Path> files = Files.list(dir)) {
                    lib = files.filter(p -> p.getFileName().toString().startsWith("libopenblas.so")
                                    || p.getFileName().toString().startsWith("libopenblas_nolapack.so"))
                            .findFirst().orElseThrow(() -> new IllegalStateException("no libopenblas next to " + jni));
                }
            }
            return new OpenBlas(lib.toString(), SymbolLookup.libraryLookup(lib, Arena.global()));
        }

        String corename() throws Throwable {
            return ((MemorySegment) getCorename.invokeExact()).reinterpret(Long.MAX_VALUE).getString(0);
        }

        String config() throws Throwable {
            return ((MemorySegment) getConfig.invokeExact()).reinterpret(Long.MAX_VALUE).getString(0);
        }

        int threads() throws Throwable {
            return (int) getNumThreads.invokeExact();
        }

        /** Every call: the engine's backend in this JVM shares the library and sets its own count. */
        void setThreads(int t) {
            try {
                setNumThreads.invokeExact(t);
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        /** y[rows, out] = x[rows, in] · Wᵀ, W [out, in] f32 row-major (sgemv for one row). */
        void gemm(float[] x, int rows, int in, MemorySegment w, int out, float[] y) {
            try {
                if (rows == 1) {
                    sgemv.invokeExact(ROW_MAJOR, NO_TRANS, out, in, 1f, w, in, MemorySegment.ofArray(x), 1, 0f,
                            MemorySegment.ofArray(y), 1);
                } else {
                    sgemm.invokeExact(ROW_MAJOR, NO_TRANS, TRANS, rows, out, in, 1f, MemorySegment.ofArray(x), in, w,
                            in, 0f, MemorySegment.ofArray(y), out);
                }
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        /** sbgemm needs bf16 activations too: x is rounded to bf16 per call (timed). */
        void sbgemm(float[] x, int rows, int in, MemorySegment w, int out, float[] y, Arena arena) {
            MemorySegment xb = arena.allocate(2L * rows * in, 64);
            for (int k = 0; k < rows * in; k++) {
                xb.setAtIndex(ValueLayout.JAVA_SHORT, k, (short) (Float.floatToRawIntBits(x[k]) >>> 16));
            }
            try {
                sbgemm.invokeExact(ROW_MAJOR, NO_TRANS, TRANS, rows, out, in, 1f, xb, in, w, in, 0f,
                        MemorySegment.ofArray(y), out);
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
