package dev.vlmesh.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A read-only 2-D weight [rows, cols], row-major, made of one or more row blocks that each live in their own memory
 * segment (usually a slice of a memory-mapped checkpoint) and may each have their own dtype. Row blocks let the model
 * fuse matrices stored separately (q/k/v, gate/up) into one kernel call, and split fused ones (a stored qkv) without
 * copying. Rows are the output features of a linear layer, as in PyTorch's {@code [out, in]} layout. Kernels read
 * the segments from several threads, so they must belong to a shared or global arena.
 *
 * <p>A row of a block takes {@code dtype.rowBytes(cols)} bytes: {@code cols × byteSize()} for the stored element
 * types, a whole number of 34-byte blocks for {@link DType#Q8_0} (layout in {@link Q8Quant}).
 */
public final class WeightMatrix {
    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int rows;
    private final int cols;
    private final MemorySegment[] segments;
    private final DType[] dtypes;
    /** blockStart[b] is the first row of block b; blockStart[blocks] == rows. */
    private final int[] blockStart;

    private WeightMatrix(int rows, int cols, MemorySegment[] segments, DType[] dtypes, int[] blockStart) {
        this.rows = rows;
        this.cols = cols;
        this.segments = segments;
        this.dtypes = dtypes;
        this.blockStart = blockStart;
    }

    /** A single-block matrix over {@code data}, which must hold exactly rows × cols elements of {@code dtype}. */
    public static WeightMatrix of(DType dtype, MemorySegment data, int rows, int cols) {
        long need = rows * dtype.rowBytes(cols);
        if (data.byteSize() != need) {
            throw new IllegalArgumentException("segment has " + data.byteSize() + " bytes, [" + rows + ", " + cols
                    + "] " + dtype + " needs " + need);
        }
        return new WeightMatrix(rows, cols, new MemorySegment[] {data}, new DType[] {dtype}, new int[] {0, rows});
    }

    /** Stacks matrices with equal column counts on top of each other (no copy). */
    public static WeightMatrix concatRows(WeightMatrix... parts) {
        int cols = parts[0].cols;
        List<MemorySegment> segs = new ArrayList<>();
        List<DType> types = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        int row = 0;
        for (WeightMatrix p : parts) {
            if (p.cols != cols) {
                throw new IllegalArgumentException("column counts differ: " + cols + " vs " + p.cols);
            }
            for (int b = 0; b < p.segments.length; b++) {
                segs.add(p.segments[b]);
                types.add(p.dtypes[b]);
                starts.add(row + p.blockStart[b]);
            }
            row += p.rows;
        }
        int[] bs = new int[starts.size() + 1];
        for (int i = 0; i < starts.size(); i++) {
            bs[i] = starts.get(i);
        }
        bs[starts.size()] = row;
        return new WeightMatrix(row, cols, segs.toArray(MemorySegment[]::new), types.toArray(DType[]::new), bs);
    }

    /** Rows [from, to) as a new matrix sharing the same memory. */
    public WeightMatrix sliceRows(int from, int to) {
        if (from < 0 || to > rows || from > to) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + rows);
        }
        List<WeightMatrix> parts = new ArrayList<>();
        for (int b = 0; b < segments.length; b++) {
            int s = Math.max(from, blockStart[b]);
            int e = Math.min(to, blockStart[b + 1]);
            if (s < e) {
                long rowBytes = dtypes[b].rowBytes(cols);
                MemorySegment seg = segments[b].asSlice((s - blockStart[b]) * rowBytes, (e - s) * rowBytes);
                parts.add(new WeightMatrix(e - s, cols, new MemorySegment[] {seg}, new DType[] {dtypes[b]},
                        new int[] {0, e - s}));
            }
        }
        if (parts.isEmpty()) {
            return new WeightMatrix(0, cols, new MemorySegment[0], new DType[0], new int[] {0});
        }
        return concatRows(parts.toArray(WeightMatrix[]::new));
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int blocks() {
        return segments.length;
    }

    public MemorySegment blockSegment(int b) {
        return segments[b];
    }

    public DType blockDType(int b) {
        return dtypes[b];
    }

    public int blockStartRow(int b) {
        return blockStart[b];
    }

    public int blockEndRow(int b) {
        return blockStart[b + 1];
    }

    /** Index of the block containing {@code row}. */
    public int blockOf(int row) {
        int b = 0;
        while (blockStart[b + 1] <= row) {
            b++;
        }
        return b;
    }

    /** Total bytes of weight data (what one pass over the matrix reads; a Q8_0 block counts its real bytes). */
    public long byteSize() {
        long n = 0;
        for (MemorySegment s : segments) {
            n += s.byteSize();
        }
        return n;
    }

    /** One element widened to float (slow; tests and tools). */
    public float get(int row, int col) {
        if (col < 0 || col >= cols) {
            throw new IndexOutOfBoundsException("column " + col + " of " + cols);
        }
        int b = blockOf(row);
        MemorySegment seg = segments[b];
        long rowOff = (row - blockStart[b]) * dtypes[b].rowBytes(cols);
        return switch (dtypes[b]) {
            case F32 -> seg.get(FLOAT_LE, rowOff + 4L * col);
            case BF16 -> Float.intBitsToFloat(seg.get(SHORT_LE, rowOff + 2L * col) << 16);
            case F16 -> Float.float16ToFloat(seg.get(SHORT_LE, rowOff + 2L * col));
            case Q8_0 -> Q8Quant.get(seg, rowOff, cols, col);
        };
    }

    /** Widens row {@code row} into {@code dst[off, off + cols)}. */
    public void readRow(int row, float[] dst, int off) {
        int b = blockOf(row);
        long base = (long) (row - blockStart[b]) * cols;
        MemorySegment seg = segments[b];
        switch (dtypes[b]) {
            case F32 -> MemorySegment.copy(seg, FLOAT_LE, base * 4, dst, off, cols);
            case BF16 -> {
                for (int c = 0; c < cols; c++) {
                    dst[off + c] = Float.intBitsToFloat(seg.get(SHORT_LE, (base + c) * 2) << 16);
                }
            }
            case F16 -> {
                for (int c = 0; c < cols; c++) {
                    dst[off + c] = Float.float16ToFloat(seg.get(SHORT_LE, (base + c) * 2));
                }
            }
            case Q8_0 -> Q8Quant.dequantizeRow(seg, (row - blockStart[b]) * DType.Q8_0.rowBytes(cols), cols, dst, off);
        }
    }
}
