package dev.vlmesh.engine.convert;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * A tensor as a dtype, a shape and a {@link ByteView} over its bytes (row-major, little-endian as in safetensors).
 * Slicing and concatenation along the first two dimensions never copy.
 *
 * @param dtype safetensors dtype name ("BF16", "F32", …)
 */
public record TensorData(String dtype, long[] shape, ByteView view) {

    public TensorData {
        shape = shape.clone();
        if (view.rows() != rowsOf(shape) || view.byteSize() != Dtypes.byteSize(dtype, shape)) {
            throw new IllegalArgumentException("view " + view.rows() + "x" + view.rowBytes() + " does not match "
                    + dtype + Arrays.toString(shape));
        }
    }

    /** A tensor stored contiguously in {@code data}. */
    public static TensorData of(String dtype, long[] shape, MemorySegment data) {
        return new TensorData(dtype, shape, ByteView.of(data, rowsOf(shape)));
    }

    private static long rowsOf(long[] shape) {
        return shape.length == 0 ? 1 : shape[0];
    }

    public long byteSize() {
        return view.byteSize();
    }

    public long rows() {
        return rowsOf(shape);
    }

    /** Rows {@code [from, from + count)} along the first dimension. */
    public TensorData rows(long from, long count) {
        requireDims(1);
        long[] s = shape.clone();
        s[0] = count;
        return new TensorData(dtype, s, view.window(from, count, 0, view.rowBytes()));
    }

    /** Columns {@code [from, from + count)} along the second dimension. */
    public TensorData cols(long from, long count) {
        requireDims(2);
        long colBytes = view.rowBytes() / shape[1];
        long[] s = shape.clone();
        s[1] = count;
        return new TensorData(dtype, s, view.window(0, shape[0], from * colBytes, count * colBytes));
    }

    public static TensorData concatRows(List<TensorData> parts) {
        TensorData first = parts.getFirst();
        first.requireDims(1);
        long rows = 0;
        for (TensorData p : parts) {
            p.requireSameExcept(first, 0);
            rows += p.shape[0];
        }
        long[] s = first.shape.clone();
        s[0] = rows;
        return new TensorData(first.dtype, s, ByteView.concatRows(parts.stream().map(TensorData::view).toList()));
    }

    public static TensorData concatCols(List<TensorData> parts) {
        TensorData first = parts.getFirst();
        first.requireDims(2);
        long cols = 0;
        for (TensorData p : parts) {
            p.requireSameExcept(first, 1);
            cols += p.shape[1];
        }
        long[] s = first.shape.clone();
        s[1] = cols;
        return new TensorData(first.dtype, s, ByteView.concatCols(parts.stream().map(TensorData::view).toList()));
    }

    private void requireDims(int n) {
        if (shape.length < n) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " has fewer than " + n
                    + " dimensions");
        }
    }

    private void requireSameExcept(TensorData other, int dim) {
        if (!dtype.equals(other.dtype) || shape.length != other.shape.length) {
            throw new IllegalArgumentException("cannot concatenate " + dtype + Arrays.toString(shape) + " with "
                    + other.dtype + Arrays.toString(other.shape));
        }
        for (int i = 0; i < shape.length; i++) {
            if (i != dim && shape[i] != other.shape[i]) {
                throw new IllegalArgumentException("cannot concatenate " + Arrays.toString(shape) + " with "
                        + Arrays.toString(other.shape) + " along dimension " + dim);
            }
        }
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && dtype.equals(t.dtype) && Arrays.equals(shape, t.shape)
                && view.equals(t.view);
    }

    @Override
    public int hashCode() {
        return dtype.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return dtype + shapeString();
    }
}
