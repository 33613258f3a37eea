package dev.vlmesh.engine.convert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The identity of a source checkpoint: SHA-256 of every file, and one digest over the sorted list of
 * {@code name, size, sha256} lines. The same files give the same digest wherever they were downloaded to.
 */
public record SourceDigest(String digest, List<FileDigest> files) {
    private static final long CHUNK = 64L << 20;

    /**
     * Hashes each named file under {@code dir}, two files at a time, reading through a read-only mapping (no copies
     * into buffers; the pages stay in the page cache for the conversion that follows, not in this process).
     */
    public static SourceDigest compute(Path dir, List<String> names) throws IOException {
        ExecutorService second = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "source-hash");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<FileDigest>> other = new ArrayList<>();
            List<FileDigest> mine = new ArrayList<>();
            List<String> sorted = new ArrayList<>(names);
            for (int i = 0; i < sorted.size(); i++) {
                String name = sorted.get(i);
                if (i % 2 == 1) {
                    other.add(second.submit(() -> {
                        try {
                            return hash(dir, name);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }));
                } else {
                    mine.add(hash(dir, name));
                }
            }
            List<FileDigest> all = new ArrayList<>(mine);
            for (Future<FileDigest> f : other) {
                try {
                    all.add(f.get());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while hashing the source");
                } catch (ExecutionException e) {
                    Throwable c = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
                    throw c instanceof IOException io ? io : new IOException(c);
                }
            }
            return of(all);
        } finally {
            second.shutdownNow();
        }
    }

    private static FileDigest hash(Path dir, String name) throws IOException {
        MessageDigest sha = HashingFile.sha256();
        long size;
        try (FileChannel ch = FileChannel.open(dir.resolve(name), StandardOpenOption.READ);
             Arena arena = Arena.ofConfined()) {
            size = ch.size();
            if (size > 0) {
                MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                for (long at = 0; at < size; at += CHUNK) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new java.io.InterruptedIOException("interrupted while hashing " + name);
                    }
                    MemorySegment chunk = file.asSlice(at, Math.min(CHUNK, size - at));
                    sha.update(chunk.asByteBuffer());
                    chunk.unload();
                }
            }
        }
        return new FileDigest(name, size, HexFormat.of().formatHex(sha.digest()));
    }

    /** The combined digest of already hashed files (e.g. hashed while they were downloaded). */
    public static SourceDigest of(List<FileDigest> files) {
        List<FileDigest> sorted = new ArrayList<>(files);
        sorted.sort(Comparator.comparing(FileDigest::path));
        MessageDigest sha = HashingFile.sha256();
        for (FileDigest f : sorted) {
            sha.update((f.path() + "\0" + f.size() + "\0" + f.sha256() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return new SourceDigest("sha256:" + HexFormat.of().formatHex(sha.digest()), List.copyOf(sorted));
    }
}
