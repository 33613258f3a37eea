package dev.vlmesh.engine.convert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The identity of a source checkpoint: SHA-256 of every file, and one digest over the sorted list of
 * {@code name, size, sha256} lines. The same files give the same digest wherever they were downloaded to.
 */
public record SourceDigest(String digest, List<FileDigest> files) {

    /** Hashes each named file under {@code dir}. */
    public static SourceDigest compute(Path dir, List<String> names) throws IOException {
        List<FileDigest> files = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20);
        for (String name : names) {
            MessageDigest sha = HashingFile.sha256();
            long size = 0;
            try (FileChannel ch = FileChannel.open(dir.resolve(name), StandardOpenOption.READ)) {
                while (true) {
                    buf.clear();
                    int n = ch.read(buf);
                    if (n < 0) {
                        break;
                    }
                    buf.flip();
                    sha.update(buf);
                    size += n;
                }
            }
            files.add(new FileDigest(name, size, HexFormat.of().formatHex(sha.digest())));
        }
        return of(files);
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
