package dev.vlmesh.engine.kernel;

import dev.vlmesh.engine.tensor.DType;
import dev.vlmesh.engine.tensor.WeightMatrix;
import java.lang.foreign.AddressLayout;
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
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The {@link GemmBackend#OPENBLAS} many-row product {@code y = x · Wᵀ + b}: OpenBLAS's {@code cblas_sgemm} from the
 * {@code org.bytedeco:openblas} preset (its linux-x86_64 natives are extracted and loaded by JavaCPP's Loader), called
 * through the FFM API. The output columns are cut into chunks (groups of W rows, ≥ 4 per thread) that the pool's
 * threads take as in MatMul; a thread widens its chunk's weights into its own buffer of at most
 * {@link #SCRATCH_FLOATS} floats (f32 blocks are passed in place) and multiplies it with a single-threaded sgemm.
 * OpenBLAS's own thread pool is not used: its idle threads keep spinning after a call, beside the pool's threads
 * that run the rest of the forward pass (attention, norms); with it a whole prefill came out slower than with the
 * Java GEMM although every GEMM was faster (bench/engine/BLAS.md). {@code x} and {@code y} go to the library without
 * a copy (a critical downcall with heap access); no per-call allocation once the buffers have their size.
 *
 * <p>The library is loaded once per process (per {@value #LIBRARY_PROPERTY} value), on first use. Its kernels are
 * chosen by OpenBLAS from the CPU, or from {@code OPENBLAS_CORETYPE} when the environment sets it (which can be far from the best choice): the core it loaded
 * is logged once and reported by {@link #status()}. If it cannot be loaded, {@link #status()} says why, that is
 * logged once, and {@link MatMul} runs its Java kernels instead. The system property {@value #LIBRARY_PROPERTY}
 * names another OpenBLAS shared library to load instead of the preset's.
 *
 * <p>Q8_0 weights are dequantised per call with MatMul's own widening (the values its GEMM multiplies). Like
 * MatMul, an instance is a per-thread workspace.
 */
public final class OpenBlasGemm {
    /** An OpenBLAS shared library to load instead of the one in org.bytedeco:openblas. */
    public static final String LIBRARY_PROPERTY = "vlmesh.openblas.library";
    /**
     * Widened weights per sgemm call (default 2^20 floats, 4 MiB; {@code -Dvlmesh.openblas.scratch=FLOATS}): the
     * buffer stays small whatever the matrix.
     */
    static final int SCRATCH_FLOATS = Integer.getInteger("vlmesh.openblas.scratch", 1 << 20);
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;
    private static final System.Logger LOG = System.getLogger(OpenBlasGemm.class.getName());
    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Chunk sizes are multiples of this many output rows. */
    private static final int GROUP_ALIGN = 16;

    /**
     * What was loaded: the OpenBLAS core whose kernels run ({@code openblas_get_corename()}), its build configuration
     * ({@code openblas_get_config()}), the {@code OPENBLAS_CORETYPE} it saw, and the library file; or why it failed.
     */
    public record Status(boolean available, String corename, String config, String coretypeEnv, String library,
                         String failure) {
        @Override
        public String toString() {
            return available
                    ? "OpenBLAS core " + corename + " (" + config + "; OPENBLAS_CORETYPE "
                            + (coretypeEnv == null ? "unset" : "=" + coretypeEnv) + ") from " + library
                    : "OpenBLAS not available: " + failure;
        }
    }

    /** Load outcomes by {@value #LIBRARY_PROPERTY} value ("" = the preset's library): each is tried once. */
    private static final Map<String, Loaded> LOADED = new HashMap<>();

    private record Loaded(Library library, Status status) {
    }

    private final ComputePool pool;
    private final Library lib;
    /** Per thread: the widened weight rows of its chunk. */
    private final float[][] scratch;
    /** Per thread: one dequantised row (quantised weights only). */
    private final float[][] rowBuf;

    // state of the running job
    private MemorySegment xs;
    private MemorySegment ys;
    private float[] y;
    private float[] bias;
    private WeightMatrix w;
    private int rows;
    private int group;
    private final ComputePool.Task task = this::chunk;

    private OpenBlasGemm(ComputePool pool, Library lib) {
        this.pool = pool;
        this.lib = lib;
        this.scratch = new float[pool.threads()][0];
        this.rowBuf = new float[pool.threads()][0];
    }

    /** A workspace over {@code pool}, or null (Java kernels) when the library cannot be loaded. */
    static OpenBlasGemm create(ComputePool pool) {
        Library l = loaded().library;
        return l == null ? null : new OpenBlasGemm(pool, l);
    }

    /** Loads the library if that has not been tried yet; what came of it. */
    public static Status status() {
        return loaded().status;
    }

    /** Thread t's widening buffer (tests: it is reused). */
    float[] scratch(int t) {
        return scratch[t];
    }

    /** Output rows of W per chunk: ≥ 4 chunks per thread when there are several, at most SCRATCH_FLOATS widened. */
    static int group(int out, int in, int threads) {
        int most = Math.max(GROUP_ALIGN, SCRATCH_FLOATS / in / GROUP_ALIGN * GROUP_ALIGN);
        int even = threads == 1 ? out : (out + 4 * threads - 1) / (4 * threads);
        return Math.min(most, Math.max(GROUP_ALIGN, (even + GROUP_ALIGN - 1) / GROUP_ALIGN * GROUP_ALIGN));
    }

    /** {@code y[r, 0:out) = x[r, 0:in) · Wᵀ + bias} for r in [0, rows), W of any dtype MatMul reads. */
    void linear(float[] x, int rows, WeightMatrix w, float[] bias, float[] y) {
        int out = w.rows();
        this.xs = MemorySegment.ofArray(x);
        this.ys = MemorySegment.ofArray(y);
        this.y = y;
        this.bias = bias;
        this.w = w;
        this.rows = rows;
        this.group = group(out, w.cols(), pool.threads());
        try {
            pool.run((out + group - 1) / group, task);
        } finally {
            this.xs = null;
            this.ys = null;
            this.y = null;
            this.bias = null;
            this.w = null;
        }
    }

    /** Output columns [c·group, …): bias, widening (unless f32 in place), one single-threaded sgemm. */
    private void chunk(int c, int thread) {
        int in = w.cols();
        int out = w.rows();
        int j0 = c * group;
        int j1 = Math.min(out, j0 + group);
        int n = j1 - j0;
        float beta = 0f;
        if (bias != null) {
            for (int r = 0; r < rows; r++) {
                System.arraycopy(bias, j0, y, r * out + j0, n);
            }
            beta = 1f;
        }
        int b = w.blockOf(j0);
        MemorySegment seg = w.blockSegment(b);
        MemorySegment wb;
        if (j1 <= w.blockEndRow(b) && w.blockDType(b) == DType.F32 && seg.isNative()
                && seg.address() % Float.BYTES == 0 && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            wb = seg.asSlice((long) (j0 - w.blockStartRow(b)) * in * Float.BYTES, (long) n * in * Float.BYTES);
        } else {
            if (scratch[thread].length < n * in) {
                scratch[thread] = new float[group * in];
            }
            for (int j = j0; j < j1; j++) {
                widenRow(j, scratch[thread], (j - j0) * in, thread);
            }
            wb = MemorySegment.ofArray(scratch[thread]);
        }
        lib.sgemm(rows, n, in, xs, wb, beta, ys.asSlice((long) j0 * Float.BYTES), out);
    }

    /** W row j as floats into dst[d, d + in). */
    private void widenRow(int j, float[] dst, int d, int thread) {
        int in = w.cols();
        int b = w.blockOf(j);
        MemorySegment seg = w.blockSegment(b);
        DType t = w.blockDType(b);
        int L = Widen.L;
        long off = (j - w.blockStartRow(b)) * t.rowBytes(in);
        int k = 0;
        switch (t) {
            case BF16 -> {
                for (; k + L <= in; k += L) {
                    Widen.bf16(seg, off + 2L * k).intoArray(dst, d + k);
                }
                for (; k < in; k++) {
                    dst[d + k] = Float.intBitsToFloat(seg.get(SHORT_LE, off + 2L * k) << 16);
                }
            }
            case F16 -> {
                for (; k + L <= in; k += L) {
                    Widen.f16(seg, off + 2L * k).intoArray(dst, d + k);
                }
                for (; k < in; k++) {
                    dst[d + k] = Float.float16ToFloat(seg.get(SHORT_LE, off + 2L * k));
                }
            }
            case F32 -> MemorySegment.copy(seg, FLOAT_LE, off, dst, d, in);
            default -> {
                // quantised (Q8_0): MatMul's own dequantisation, the values its GEMM multiplies
                if (rowBuf[thread].length < in) {
                    rowBuf[thread] = new float[in];
                }
                MatMul.widenRow(w, j, 0, in, rowBuf[thread]);
                System.arraycopy(rowBuf[thread], 0, dst, d, in);
            }
        }
    }

    // ------------------------------------------------------------------ the library

    private static synchronized Loaded loaded() {
        String explicit = System.getProperty(LIBRARY_PROPERTY, "").strip();
        return LOADED.computeIfAbsent(explicit, OpenBlasGemm::load);
    }

    private static Loaded load(String explicit) {
        try {
            Library lib = Library.load(explicit);
            LOG.log(System.Logger.Level.INFO, "GEMM backend openblas: " + lib.status);
            return new Loaded(lib, lib.status);
        } catch (Throwable e) {
            String why = e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "GEMM backend openblas: the native library could not be loaded ("
                    + why + "); using the Java GEMM kernels instead");
            return new Loaded(null, new Status(false, null, null, System.getenv("OPENBLAS_CORETYPE"), null, why));
        }
    }

    /** The native entry points. One OpenBLAS call at a time in this process (its thread count is global). */
    static final class Library {
        final Status status;
        private final MethodHandle sgemm;
        private final MethodHandle setNumThreads;

        private Library(Path path, SymbolLookup lookup) throws Throwable {
            Linker linker = Linker.nativeLinker();
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
            AddressLayout a = ValueLayout.ADDRESS;
            // critical with heap access: x, y and the widened weights are Java arrays, passed without a copy; the
            // call never calls back into Java
            sgemm = linker.downcallHandle(lookup.findOrThrow("cblas_sgemm"),
                    FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, a, i, a, i, f, a, i), Linker.Option.critical(true));
            setNumThreads = linker.downcallHandle(lookup.findOrThrow("openblas_set_num_threads"),
                    FunctionDescriptor.ofVoid(i));
            MethodHandle corename = linker.downcallHandle(lookup.findOrThrow("openblas_get_corename"),
                    FunctionDescriptor.of(a));
            MethodHandle config = linker.downcallHandle(lookup.findOrThrow("openblas_get_config"),
                    FunctionDescriptor.of(a));
            status = new Status(true, string((MemorySegment) corename.invokeExact()),
                    string((MemorySegment) config.invokeExact()), System.getenv("OPENBLAS_CORETYPE"), path.toString(),
                    null);
        }

        private static String string(MemorySegment p) {
            return p.equals(MemorySegment.NULL) ? "?" : p.reinterpret(4096).getString(0);
        }

        static Library load(String explicit) throws Throwable {
            Path lib;
            if (!explicit.isEmpty()) {
                lib = Path.of(explicit);
            } else {
                // JavaCPP extracts the preset's natives (libopenblas and its libgfortran) into its cache and loads
                // them; the same file is then opened again here for the FFM lookups
                Class<?> preset = Class.forName("org.bytedeco.openblas.global.openblas_nolapack");
                String jni = org.bytedeco.javacpp.Loader.load(preset);
                if (jni == null) {
                    throw new IllegalStateException("JavaCPP did not load the openblas preset");
                }
                Path dir = Path.of(jni).getParent();
                try (Stream<Path> files = Files.list(dir)) {
                    lib = files.filter(p -> p.getFileName().toString().matches("libopenblas(_nolapack)?\\.so.*"))
                            .sorted().findFirst()
                            .orElseThrow(() -> new IllegalStateException("no libopenblas next to " + jni));
                }
            }
            return new Library(lib, SymbolLookup.libraryLookup(lib, Arena.global()));
        }

        /**
         * {@code C[m, n] (ldc) = A[m, k] · B[n, k]ᵀ + beta · C}, all row-major, on the calling thread: OpenBLAS is
         * told to use one thread on every call (other code in the process may share the library and set its own
         * count), so concurrent calls from the pool's threads each run inline, and OpenBLAS starts no threads of
         * its own that would spin beside the pool.
         */
        void sgemm(int m, int n, int k, MemorySegment a, MemorySegment b, float beta, MemorySegment c, int ldc) {
            try {
                setNumThreads.invokeExact(1);
                sgemm.invokeExact(ROW_MAJOR, NO_TRANS, TRANS, m, n, k, 1f, a, k, b, k, beta, c, ldc);
            } catch (Throwable e) {
                throw new IllegalStateException("cblas_sgemm failed", e);
            }
        }
    }
}
