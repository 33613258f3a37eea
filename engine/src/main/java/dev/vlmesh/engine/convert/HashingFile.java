package dev.vlmesh.engine.convert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.concurrent.Future;

/**
 * A file written sequentially under {@code <name>.partial}, SHA-256 computed on the way, then forced to disk and
 * atomically renamed. Until {@link #commit} the final name is never touched.
 */
final class HashingFile implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final MessageDigest sha;
    /** Chunks written but maybe not hashed yet. */
    static final int MAX_PENDING = 4;
    private final ArrayDeque<Future<?>> pending = new ArrayDeque<>();
    private long size;
    private boolean done;

    HashingFile(Path target) throws IOException {
        this.target = target;
        this.temp = target.resolveSibling(target.getFileName() + ".partial");
        Files.createDirectories(target.getParent());
        this.channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        this.sha = sha256();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes all remaining bytes of {@code b} and leaves its position. The bytes are hashed on the hashing thread,
     * possibly after this returns: the buffer must not change until the returned future is done. At most
     * {@link #MAX_PENDING} chunks are in flight per file.
     */
    Future<?> write(ByteBuffer b) throws IOException {
        Future<?> hashing = Hasher.start(sha, b);
        pending.add(hashing);
        ByteBuffer w = b.duplicate();
        while (w.hasRemaining()) {
            channel.write(w);
        }
        size += b.remaining();
        while (pending.size() > MAX_PENDING) {
            Hasher.await(pending.poll());
        }
        return hashing;
    }

    private void drain() throws IOException {
        Future<?> f;
        while ((f = pending.poll()) != null) {
            Hasher.await(f);
        }
    }

    long size() {
        return size;
    }

    /** Forces the data to disk and renames the file into place; returns its size and SHA-256. */
    FileDigest commit(String relativePath) throws IOException {
        drain();
        channel.force(true);
        channel.close();
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        done = true;
        return new FileDigest(relativePath, size, HexFormat.of().formatHex(sha.digest()));
    }

    @Override
    public void close() {
        if (done) {
            return;
        }
        pending.forEach(f -> f.cancel(false));
        try {
            channel.close();
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // best effort: a stale .partial is overwritten by the next attempt
        }
    }
}
