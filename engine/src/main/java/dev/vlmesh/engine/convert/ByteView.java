package dev.vlmesh.engine.convert;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Consumer;

/**
 * A tensor's bytes seen as a matrix of {@link #rows()} × {@link #rowBytes()} bytes (row = everything below the first
 * dimension), composed without copying from slices of memory-mapped files. Every split, fusion and merge of the
 * MindSpeed-MM layout is a window or a concatenation along rows or columns, so a target tensor is a tree of these
 * that can be streamed ({@link #emit}) as a sequence of contiguous source byte runs.
 */
public sealed interface ByteView permits ByteView.Leaf, ByteView.Window, ByteView.RowConcat, ByteView.ColConcat {

    long rows();

    long rowBytes();

    default long byteSize() {
        return rows() * rowBytes();
    }

    /** Streams rows {@code [r0, r1)} restricted to bytes {@code [c0, c1)} of each row, in row-major order. */
    void emit(long r0, long r1, long c0, long c1, RunSink sink) throws IOException;

    /** Streams the whole view. */
    default void emitAll(RunSink sink) throws IOException {
        emit(0, rows(), 0, rowBytes(), sink);
    }

    /** Every source segment the view reads from (for releasing mapped pages after use). */
    void sources(Consumer<MemorySegment> out);

    /** Receives contiguous byte runs of a source segment. */
    @FunctionalInterface
    interface RunSink {
        void accept(MemorySegment source, long offset, long length) throws IOException;
    }

    static ByteView of(MemorySegment data, long rows) {
        if (rows <= 0 || data.byteSize() % rows != 0) {
            throw new IllegalArgumentException(data.byteSize() + " bytes do not form " + rows + " rows");
        }
        return new Leaf(data, rows, data.byteSize() / rows);
    }

    default ByteView window(long rowFrom, long rowCount, long colFrom, long colCount) {
        if (rowFrom < 0 || rowCount < 0 || rowFrom + rowCount > rows() || colFrom < 0 || colCount < 0
                || colFrom + colCount > rowBytes()) {
            throw new IllegalArgumentException("window rows [" + rowFrom + "+" + rowCount + "] bytes [" + colFrom
                    + "+" + colCount + "] outside " + rows() + "x" + rowBytes());
        }
        if (rowFrom == 0 && rowCount == rows() && colFrom == 0 && colCount == rowBytes()) {
            return this;
        }
        if (this instanceof Window w) {
            return new Window(w.base, w.rowFrom + rowFrom, rowCount, w.colFrom + colFrom, colCount);
        }
        return new Window(this, rowFrom, rowCount, colFrom, colCount);
    }

    static ByteView concatRows(List<ByteView> parts) {
        if (parts.size() == 1) {
            return parts.getFirst();
        }
        return new RowConcat(List.copyOf(parts));
    }

    static ByteView concatCols(List<ByteView> parts) {
        if (parts.size() == 1) {
            return parts.getFirst();
        }
        return new ColConcat(List.copyOf(parts));
    }

    /** Rows of one contiguous segment. */
    record Leaf(MemorySegment data, long rows, long rowBytes) implements ByteView {
        @Override
        public void emit(long r0, long r1, long c0, long c1, RunSink sink) throws IOException {
            if (r1 <= r0 || c1 <= c0) {
                return;
            }
            if (c0 == 0 && c1 == rowBytes) {
                sink.accept(data, r0 * rowBytes, (r1 - r0) * rowBytes);
                return;
            }
            for (long r = r0; r < r1; r++) {
                sink.accept(data, r * rowBytes + c0, c1 - c0);
            }
        }

        @Override
        public void sources(Consumer<MemorySegment> out) {
            out.accept(data);
        }
    }

    /** A rectangular part of another view. */
    record Window(ByteView base, long rowFrom, long rows, long colFrom, long rowBytes) implements ByteView {
        @Override
        public void emit(long r0, long r1, long c0, long c1, RunSink sink) throws IOException {
            base.emit(rowFrom + r0, rowFrom + r1, colFrom + c0, colFrom + c1, sink);
        }

        @Override
        public void sources(Consumer<MemorySegment> out) {
            base.sources(out);
        }
    }

    /** Views stacked along rows; all have the same row width. */
    record RowConcat(List<ByteView> parts, long rows, long rowBytes) implements ByteView {
        RowConcat(List<ByteView> parts) {
            this(parts, parts.stream().mapToLong(ByteView::rows).sum(), parts.getFirst().rowBytes());
            for (ByteView p : parts) {
                if (p.rowBytes() != rowBytes) {
                    throw new IllegalArgumentException("row widths differ: " + p.rowBytes() + " vs " + rowBytes);
                }
            }
        }

        @Override
        public void emit(long r0, long r1, long c0, long c1, RunSink sink) throws IOException {
            long start = 0;
            for (ByteView p : parts) {
                long end = start + p.rows();
                long from = Math.max(r0, start);
                long to = Math.min(r1, end);
                if (from < to) {
                    p.emit(from - start, to - start, c0, c1, sink);
                }
                if (end >= r1) {
                    return;
                }
                start = end;
            }
        }

        @Override
        public void sources(Consumer<MemorySegment> out) {
            parts.forEach(p -> p.sources(out));
        }
    }

    /** Views side by side along columns; all have the same number of rows. */
    record ColConcat(List<ByteView> parts, long rows, long rowBytes) implements ByteView {
        ColConcat(List<ByteView> parts) {
            this(parts, parts.getFirst().rows(), parts.stream().mapToLong(ByteView::rowBytes).sum());
            for (ByteView p : parts) {
                if (p.rows() != rows) {
                    throw new IllegalArgumentException("row counts differ: " + p.rows() + " vs " + rows);
                }
            }
        }

        @Override
        public void emit(long r0, long r1, long c0, long c1, RunSink sink) throws IOException {
            for (long r = r0; r < r1; r++) {
                long start = 0;
                for (ByteView p : parts) {
                    long end = start + p.rowBytes();
                    long from = Math.max(c0, start);
                    long to = Math.min(c1, end);
                    if (from < to) {
                        p.emit(r, r + 1, from - start, to - start, sink);
                    }
                    start = end;
                }
            }
        }

        @Override
        public void sources(Consumer<MemorySegment> out) {
            parts.forEach(p -> p.sources(out));
        }
    }
}
