package dev.vlmesh.engine.media;

/** Media held in memory. */
final class ByteArraySource implements RandomAccessSource {
    private final byte[] data;

    ByteArraySource(byte[] data) {
        this.data = data;
    }

    byte[] bytes() {
        return data;
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public int read(long pos, byte[] buf, int off, int len) {
        if (pos < 0 || pos >= data.length) {
            return 0;
        }
        int n = (int) Math.min(len, data.length - pos);
        System.arraycopy(data, (int) pos, buf, off, n);
        return n;
    }
}
