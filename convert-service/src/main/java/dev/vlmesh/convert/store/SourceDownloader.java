package dev.vlmesh.convert.store;

import dev.vlmesh.engine.convert.ConversionException;
import dev.vlmesh.engine.convert.ConversionException.Reason;
import dev.vlmesh.engine.convert.FileDigest;
import dev.vlmesh.engine.convert.SourceCheckpoint;
import dev.vlmesh.engine.convert.SourceDigest;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Copies a HuggingFace checkpoint from {@code bucket/prefix} into a local folder, hashing every file while it
 * streams, so the source digest costs no second read. Only what the converter reads is fetched (safetensors, their
 * index, config and tokenizer files); a prefix holding only PyTorch pickles is refused without downloading them.
 * Limits on file count, total size and free disk space are checked from the listing, before any byte is copied.
 * Files already downloaded by an interrupted earlier attempt (recorded with their size and SHA-256) are kept.
 */
public final class SourceDownloader {
    private static final Set<String> PICKLES = Set.of(".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle");
    private static final Set<String> SIDE = Set.of(".json", ".txt", ".model", ".jinja", ".tiktoken");
    private static final long MAX_SIDE_BYTES = 64L << 20;

    private final MinioClient s3;
    private final long maxBytes;
    private final int maxFiles;
    private final int attempts;
    private final long backoffMs;

    public SourceDownloader(MinioClient s3, long maxBytes, int maxFiles, int attempts, long backoffMs) {
        this.s3 = s3;
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
        this.attempts = attempts;
        this.backoffMs = backoffMs;
    }

    /** What a listing shows: the files to fetch and their total size. */
    public record Listing(Map<String, Long> files, long totalBytes) {
    }

    public Listing list(String bucket, String prefix) throws Exception {
        Map<String, Long> files = new LinkedHashMap<>();
        List<String> pickles = new ArrayList<>();
        boolean anything = false;
        boolean safetensors = false;
        long total = 0;
        int seen = 0;
        Iterable<Result<Item>> items = Retry.call(attempts, backoffMs, () -> s3.listObjects(ListObjectsArgs.builder()
                .bucket(bucket).prefix(prefix).recursive(false).build()));
        for (Result<Item> r : items) {
            Item it = r.get();
            if (it.isDir()) {
                continue;
            }
            anything = true;
            String name = it.objectName().substring(prefix.length());
            if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
                continue;
            }
            if (++seen > maxFiles) {
                throw new ConversionException(Reason.UNSUPPORTED_FORMAT, "s3://" + bucket + "/" + prefix + " holds more"
                        + " than " + maxFiles + " files; not a checkpoint (limit vlmesh.convert.max-source-files)");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            long size = it.size();
            if (lower.endsWith(".safetensors")) {
                safetensors = true;
            } else if (PICKLES.stream().anyMatch(lower::endsWith)) {
                pickles.add(name);
                continue;
            } else if (!(SIDE.stream().anyMatch(lower::endsWith) && size <= MAX_SIDE_BYTES)) {
                continue;
            }
            files.put(name, size);
            total += size;
        }
        String where = "s3://" + bucket + "/" + prefix;
        if (!anything) {
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, "no objects under " + where
                    + "; upload the HuggingFace checkpoint there (config.json and *.safetensors)");
        }
        if (!safetensors) {
            if (!pickles.isEmpty()) {
                throw new ConversionException(Reason.UNSUPPORTED_FORMAT, where + " holds PyTorch pickle weights "
                        + pickles + " and no safetensors. Pickles are refused because loading one can execute "
                        + "arbitrary code; re-save the checkpoint as safetensors on a trusted machine "
                        + "(save_pretrained(..., safe_serialization=True)).");
            }
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, where + " holds no *.safetensors weights");
        }
        if (!files.containsKey("config.json")) {
            throw new ConversionException(Reason.SOURCE_NOT_FOUND, where + " has no config.json");
        }
        if (total > maxBytes) {
            throw new ConversionException(Reason.UNSUPPORTED_FORMAT, where + " is " + total + " bytes, more than the "
                    + maxBytes + " this converter accepts (vlmesh.convert.max-source-mb)");
        }
        return new Listing(files, total);
    }

    /**
     * Downloads into {@code dest}; file hashes are kept in {@code hashes}. Returns the digest of exactly the files
     * the converter reads, as {@link SourceDigest#compute} would give for the same folder.
     *
     * @param progress told how many bytes have been fetched so far
     */
    public SourceDigest download(String bucket, String prefix, Listing listing, Path dest, Path hashes,
                                 LongConsumer progress) throws Exception {
        Files.createDirectories(dest);
        Files.createDirectories(hashes);
        Map<String, FileDigest> got = new LinkedHashMap<>();
        long done = 0;
        for (Map.Entry<String, Long> f : listing.files().entrySet()) {
            FileDigest d = existing(dest, hashes, f.getKey(), f.getValue());
            if (d == null) {
                String key = prefix + f.getKey();
                d = Retry.call(attempts, backoffMs, () -> fetch(bucket, key, dest.resolve(f.getKey()), f.getKey()));
                if (d.size() != f.getValue()) {
                    throw new ConversionException(Reason.CORRUPT_FILE, "s3://" + bucket + "/" + key + " changed while"
                            + " it was downloaded (" + d.size() + " bytes, listed as " + f.getValue() + ")");
                }
                Files.writeString(hashes.resolve(f.getKey() + ".sha256"), d.size() + " " + d.sha256(),
                        StandardCharsets.US_ASCII);
            }
            got.put(f.getKey(), d);
            done += d.size();
            progress.accept(done);
        }
        List<FileDigest> used = new ArrayList<>();
        try (SourceCheckpoint src = SourceCheckpoint.open(dest)) {
            for (String name : src.allFiles()) {
                used.add(got.get(name));
            }
        }
        return SourceDigest.of(used);
    }

    private static FileDigest existing(Path dest, Path hashes, String name, long size) throws IOException {
        Path file = dest.resolve(name);
        Path record = hashes.resolve(name + ".sha256");
        if (!Files.isRegularFile(file) || !Files.isRegularFile(record) || Files.size(file) != size) {
            return null;
        }
        String[] parts = Files.readString(record, StandardCharsets.US_ASCII).trim().split(" ");
        if (parts.length != 2 || Long.parseLong(parts[0]) != size) {
            return null;
        }
        return new FileDigest(name, size, parts[1]);
    }

    private FileDigest fetch(String bucket, String key, Path target, String name) throws Exception {
        Path temp = target.resolveSibling(target.getFileName() + ".partial");
        MessageDigest sha = sha256();
        long size = 0;
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build());
             FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new java.io.InterruptedIOException("download interrupted");
                }
                sha.update(buf, 0, n);
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) {
                    out.write(b);
                }
                size += n;
            }
            out.force(true);
        }
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new FileDigest(name, size, HexFormat.of().formatHex(sha.digest()));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
