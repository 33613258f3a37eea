package dev.vlmesh.engine.media;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Puts a small LRU cache of aligned blocks in front of a source whose reads are expensive (one HTTP range request
 * each). Header parsers read a box or element header of a few bytes at a time; with this in front, the reads that
 * fall into one block cost one request. Memory is bounded by {@code blockSize × maxBlocks}.
 */
public final class BlockCachedSource implements RandomAccessSource {
    private final RandomAccessSource inner;
    private final int blockSize;
    private final Map<Long, byte[]> blocks;
    private long fetches;

    public BlockCachedSource(RandomAccessSource inner, int blockSize, int maxBlocks) {
        if (blockSize < 512 || maxBlocks < 1) {
            throw new IllegalArgumentException("block size must be >= 512 and at least one block cached");
        }
        this.inner = inner;
        this.blockSize = blockSize;
        this.blocks = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
                return size() > maxBlocks;
            }
        };
    }

    @Override
    public long size() {
        return inner.size();
    }

    @Override
    public int read(long pos, byte[] buf, int off, int len) throws IOException {
        long size = inner.size();
        if (pos < 0 || pos >= size) {
            return 0;
        }
        int total = 0;
        while (total < len && pos + total < size) {
            long p = pos + total;
            long index = p / blockSize;
            byte[] block = block(index);
            int inBlock = (int) (p - index * blockSize);
            int n = Math.min(len - total, block.length - inBlock);
            if (n <= 0) {
                break;
            }
            System.arraycopy(block, inBlock, buf, off + total, n);
            total += n;
        }
        return total;
    }

    /** How many reads reached the underlying source (for tests and metrics). */
    public long fetches() {
        return fetches;
    }

    private byte[] block(long index) throws IOException {
        byte[] b = blocks.get(index);
        if (b != null) {
            return b;
        }
        long start = index * blockSize;
        int want = (int) Math.min(blockSize, inner.size() - start);
        byte[] data = new byte[want];
        int got = 0;
        while (got < want) {
            int n = inner.read(start + got, data, got, want - got);
            if (n <= 0) {
                throw new MalformedMediaException("the media ended at byte " + (start + got) + " although its size is "
                        + inner.size() + " bytes (it changed while being read?)");
            }
            got += n;
        }
        fetches++;
        blocks.put(index, data);
        return data;
    }

    @Override
    public Path file() {
        return inner.file();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
