package dev.vlmesh.engine.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Media in a local file, read with positional channel reads (no shared file pointer, no mapping). */
final class FileSource implements RandomAccessSource {
    private final Path path;
    private final FileChannel channel;
    private final long size;

    FileSource(Path path) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.READ);
        this.size = channel.size();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(long pos, byte[] buf, int off, int len) throws IOException {
        if (pos < 0 || pos >= size) {
            return 0;
        }
        ByteBuffer bb = ByteBuffer.wrap(buf, off, (int) Math.min(len, size - pos));
        int total = 0;
        while (bb.hasRemaining()) {
            int n = channel.read(bb, pos + total);
            if (n <= 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    @Override
    public Path file() {
        return path;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
