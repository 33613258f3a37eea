package dev.vlmesh.engine.checkpoint;

import dev.vlmesh.engine.tensor.DType;
import dev.vlmesh.engine.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Takes tensors out of a {@link WeightSource} with the shape the config implies, failing with a message that names
 * the file, the stored tensor and what was expected. Large matrices stay where they are (a view is returned); small
 * vectors (norm weights, biases, layer scales) are widened into float arrays.
 */
public final class TensorLoader {
    private final WeightSource source;
    private final CheckpointLayout layout;
    private final Set<String> used = new LinkedHashSet<>();

    public TensorLoader(WeightSource source, CheckpointLayout layout) {
        this.source = source;
        this.layout = layout;
    }

    public boolean has(String name) {
        return source.find(name).isPresent();
    }

    /** Canonical names requested so far. */
    public Set<String> used() {
        return used;
    }

    /** A matrix view [shape[0], product(shape[1:])] of a tensor that must have exactly {@code shape}. */
    public WeightMatrix matrix(String name, long... shape) throws CheckpointException {
        StoredTensor t = require(name, shape);
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
