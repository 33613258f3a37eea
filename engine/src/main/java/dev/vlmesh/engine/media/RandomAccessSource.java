package dev.vlmesh.engine.media;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Positional reads over media bytes that live in memory, in a file, or behind ranged requests to an object store.
 * Probing a container header touches a few kilobytes scattered over the file (an MP4 may keep its index at the end),
 * so nothing here reads the whole file.
 */
public interface RandomAccessSource extends Closeable {

    /** Total length in bytes. */
    long size();

    /**
     * Reads up to {@code len} bytes at {@code pos} into {@code buf[off..]}. Returns the count read, which is less than
     * {@code len} only at the end of the source (0 at or past the end).
     */
    int read(long pos, byte[] buf, int off, int len) throws IOException;

    /** The file behind this source, when there is one (lets callers hand the path to file-based readers). */
    default Path file() {
        return null;
    }

    @Override
    default void close() throws IOException {
    }

    static RandomAccessSource of(byte[] data) {
        return new ByteArraySource(data);
    }

    static RandomAccessSource open(Path file) throws IOException {
        return new FileSource(file);
    }
}
