package dev.vlmesh.engine.checkpoint;

import dev.vlmesh.engine.tensor.DType;
import dev.vlmesh.engine.tensor.Q8Quant;
import dev.vlmesh.engine.tensor.WeightFormat;
import dev.vlmesh.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Takes tensors out of a {@link WeightSource} with the shape the config implies, failing with a message that names
 * the file, the stored tensor and what was expected. Large matrices stay where they are (a view is returned); small
 * vectors (norm weights, biases, layer scales) are widened into float arrays.
 *
 * <p>With {@link WeightFormat#Q8_0} every linear-layer matrix ({@link #matrix}) is quantized into memory from the
 * arena given here, and the pages of the stored tensor it was read from are then released from this process
 * ({@link MemorySegment#unload()}, when the stored tensor is memory-mapped; the file stays mapped). A matrix whose
 * rows are not a multiple of 32 elements is kept as stored and listed in {@link #summary()}. Embeddings
 * ({@link #storedMatrix}) are never converted.
 */
public final class TensorLoader {
    private final WeightSource source;
    private final CheckpointLayout layout;
    private final WeightFormat format;
    private final Arena arena;
    private final Set<String> used = new LinkedHashSet<>();
    private int quantized;
    private long storedBytes;
    private long quantizedBytes;
    private final List<String> keptAsStored = new ArrayList<>();

    /** Matrices as stored. */
    public TensorLoader(WeightSource source, CheckpointLayout layout) {
        this(source, layout, WeightFormat.AS_STORED, null);
    }

    /**
     * @param arena where converted matrices live (shared or global: kernels read them from several threads); the
     *              caller closes it after the model; may be null for {@link WeightFormat#AS_STORED}
     */
    public TensorLoader(WeightSource source, CheckpointLayout layout, WeightFormat format, Arena arena) {
        if (format != WeightFormat.AS_STORED && arena == null) {
            throw new IllegalArgumentException("weight format " + format + " needs an arena");
        }
        this.source = source;
        this.layout = layout;
        this.format = format;
        this.arena = arena;
    }

    public WeightFormat format() {
        return format;
    }

    /** What {@link #matrix} and {@link #inFormat} converted so far. */
    public QuantizationSummary summary() {
        return new QuantizationSummary(format, quantized, storedBytes, quantizedBytes, keptAsStored);
    }

    public boolean has(String name) {
        return source.find(name).isPresent();
    }

    /** Canonical names requested so far. */
    public Set<String> used() {
        return used;
    }

    /**
     * The weight of a linear layer: a tensor that must have exactly {@code shape} as a matrix [shape[0],
     * product(shape[1:])], in the loader's {@link WeightFormat} (a view of the stored tensor when as stored).
     */
    public WeightMatrix matrix(String name, long... shape) throws CheckpointException {
        StoredTensor t = require(name, shape);
        WeightMatrix stored = view(t, shape);
        WeightMatrix w = convert(name, stored);
        if (w != stored && t.data().isMapped()) {
            t.data().unload();
        }
        return w;
    }

    /**
     * A matrix view [shape[0], product(shape[1:])] of a tensor that must have exactly {@code shape}, always as stored
     * (for embeddings, which are read a row at a time).
     */
    public WeightMatrix storedMatrix(String name, long... shape) throws CheckpointException {
        return view(require(name, shape), shape);
    }

    /**
     * {@code stored} in the loader's format, for a linear layer that shares its stored tensor with something read as
     * stored (a head tied to the embedding): converted into a copy of its own. The stored tensor stays usable; its
     * mapped pages, all read by the conversion, are released and come back as rows are read again.
     *
     * @param what names the matrix in {@link #summary()}
     */
    public WeightMatrix inFormat(String what, WeightMatrix stored) throws CheckpointException {
        WeightMatrix w = convert(what, stored);
        if (w != stored) {
            for (int b = 0; b < stored.blocks(); b++) {
                if (stored.blockSegment(b).isMapped()) {
                    stored.blockSegment(b).unload();
                }
            }
        }
        return w;
    }

    private WeightMatrix convert(String what, WeightMatrix stored) throws CheckpointException {
        if (format == WeightFormat.AS_STORED) {
            return stored;
        }
        if (!Q8Quant.fits(stored.cols())) {
            keptAsStored.add(what + " (" + stored.cols() + " columns, not a multiple of " + Q8Quant.BLOCK + ")");
            return stored;
        }
        WeightMatrix q;
        try {
            q = Q8Quant.quantize(stored, arena);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("tensor '" + what + "' cannot be quantized to Q8_0: " + e.getMessage());
        }
        quantized++;
        storedBytes += stored.byteSize();
        quantizedBytes += q.byteSize();
        return q;
    }

    private static WeightMatrix view(StoredTensor t, long[] shape) throws CheckpointException {
        DType dt = dtype(t);
        long cols = 1;
        for (int i = 1; i < shape.length; i++) {
            cols *= shape[i];
        }
        if (shape[0] > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
            throw new CheckpointException("tensor " + t.origin() + " is too large for the engine");
        }
        return WeightMatrix.of(dt, t.data(), (int) shape[0], (int) cols);
    }

    /** A small tensor that must have exactly {@code shape}, widened to floats. */
    public float[] floats(String name, long... shape) throws CheckpointException {
        StoredTensor t = require(name, shape);
        DType dt = dtype(t);
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] out = new float[Math.toIntExact(n)];
        WeightMatrix.of(dt, t.data(), 1, out.length).readRow(0, out, 0);
        return out;
    }

    /** Like {@link #floats} but returns null when the tensor is absent. */
    public float[] optionalFloats(String name, long... shape) throws CheckpointException {
        return has(name) ? floats(name, shape) : null;
    }

    private StoredTensor require(String name, long[] shape) throws CheckpointException {
        Optional<StoredTensor> found = source.find(name);
        if (found.isEmpty()) {
            String hint = KeyMapping.storedNameHint(layout, name);
            throw new CheckpointException("checkpoint " + source.description() + ": missing tensor '" + name + "'"
                    + (hint.equals(name) ? "" : " (stored name '" + hint + "')"));
        }
        StoredTensor t = found.get();
        used.add(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException("tensor " + t.origin() + " has shape " + t.shapeString()
                    + " but the config requires " + Arrays.toString(shape));
        }
        return t;
    }

    private static DType dtype(StoredTensor t) throws CheckpointException {
        return DType.fromSafetensors(t.dtype()).orElseThrow(() -> new CheckpointException("tensor " + t.origin()
                + " has dtype " + t.dtype() + "; the engine reads F32, F16 and BF16 weights"));
    }

    /** The raw view of a tensor, for callers that validate it themselves. */
    public MemorySegment raw(String name) throws CheckpointException {
        return source.find(name).orElseThrow(() -> new CheckpointException("missing tensor '" + name + "'")).data();
    }
}
