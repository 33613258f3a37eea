package dev.vlmesh.infer.checkpoint;

import dev.vlmesh.events.StoreLayout;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.ZonedDateTime;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Converted checkpoint versions in the object store ({@code models/{model}/{version}/}, complete once
 * {@code manifest.json} exists) and their copies in a local cache folder. A version is downloaded into a
 * temporary folder with every file's SHA-256 and size checked against the manifest while it streams, then moved
 * into place in one rename, so the cache never holds a half-written version. A cached version is checked again
 * before use unless {@code verifyCached} is off. Only the files the engine reads are fetched
 * ({@link CheckpointFiles#fetched()}).
 */
public final class CheckpointStore {

    private static final Logger LOG = Logger.getLogger(CheckpointStore.class);
    static final String MANIFEST = "manifest.json";

    private final MinioClient s3;
    private final String bucket;
    private final Path cacheDir;
    private final boolean verifyCached;

    public CheckpointStore(MinioClient s3, String bucket, Path cacheDir, boolean verifyCached) {
        this.s3 = s3;
        this.bucket = bucket;
        this.cacheDir = cacheDir;
        this.verifyCached = verifyCached;
    }

    /** The version of {@code model} whose manifest was written last, if any version is complete. */
    public Optional<String> newestVersion(String model) throws Exception {
        String prefix = "models/" + StoreLayout.safe(model, "model name") + "/";
        String best = null;
        ZonedDateTime bestTime = null;
        for (Result<Item> r : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix).build())) {
            Item item = r.get();
            if (!item.isDir()) {
                continue;
            }
            String version = item.objectName().substring(prefix.length()).replaceAll("/$", "");
            Optional<StatObjectResponse> manifest = stat(StoreLayout.manifestKey(model, version));
            if (manifest.isPresent()) {
                ZonedDateTime t = manifest.get().lastModified();
                if (bestTime == null || t.isAfter(bestTime) || (t.isEqual(bestTime) && version.compareTo(best) > 0)) {
                    best = version;
                    bestTime = t;
                }
            }
        }
        return Optional.ofNullable(best);
    }

    public boolean exists(String model, String version) throws Exception {
        return stat(StoreLayout.manifestKey(model, version)).isPresent();
    }

    private Optional<StatObjectResponse> stat(String key) throws Exception {
        try {
            return Optional.of(s3.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build()));
        } catch (ErrorResponseException e) {
            if ("NoSuchKey".equals(e.errorResponse().code()) || "NoSuchObject".equals(e.errorResponse().code())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** A verified local copy of the version, downloaded if the cache does not hold it. */
    public Path materialize(String model, String version) throws Exception {
        Path dir = cacheDir.resolve(StoreLayout.safe(model, "model name")).resolve(StoreLayout.safe(version, "version"));
        Path manifestFile = dir.resolve(MANIFEST);
        if (Files.isRegularFile(manifestFile)) {
            if (!verifyCached) {
                return dir;
            }
            try {
                verify(dir, CheckpointFiles.parse(Files.readAllBytes(manifestFile)));
                LOG.infof("using cached %s/%s (verified)", model, version);
                return dir;
            } catch (IOException e) {
                LOG.warnf("cached %s/%s is damaged (%s); downloading it again", model, version, e.getMessage());
                deleteTree(dir);
            }
        }
        return download(model, version, dir);
    }

    private Path download(String model, String version, Path dir) throws Exception {
        String prefix = StoreLayout.modelVersionPrefix(model, version);
        byte[] manifestBytes;
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(prefix + MANIFEST).build())) {
            manifestBytes = in.readAllBytes();
        }
        CheckpointFiles files = CheckpointFiles.parse(manifestBytes);
        Files.createDirectories(dir.getParent());
        Path tmp = dir.resolveSibling(dir.getFileName() + ".partial-" + UUID.randomUUID());
        long t0 = System.nanoTime();
        try {
            for (CheckpointFiles.Entry f : files.fetched()) {
                Path target = tmp.resolve(f.path()).normalize();
                if (!target.startsWith(tmp)) {
                    throw new IOException("manifest path escapes the version folder: " + f.path());
                }
                Files.createDirectories(target.getParent());
                fetch(prefix + f.path(), target, f);
            }
            Files.write(tmp.resolve(MANIFEST), manifestBytes);
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir);
            }
        } catch (java.nio.file.FileSystemException e) {
            deleteTree(tmp);
            if (Files.isRegularFile(dir.resolve(MANIFEST))) {
                return dir; // another loader of the same version finished first
            }
            throw e;
        } catch (Exception e) {
            deleteTree(tmp);
            throw e;
        }
        LOG.infof("downloaded %s/%s: %d files, %d bytes, verified, in %d ms; %d PyTorch pickles left in the store",
                model, version, files.fetched().size(), files.fetchedBytes(), (System.nanoTime() - t0) / 1_000_000,
                files.files().size() - files.fetched().size());
        return dir;
    }

    private void fetch(String key, Path target, CheckpointFiles.Entry f) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long n = 0;
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build());
             OutputStream out = Files.newOutputStream(target)) {
            byte[] buf = new byte[1 << 20];
            for (int r; (r = in.read(buf)) > 0; ) {
                n += r;
                if (n > f.size()) {
                    throw new IOException(key + " is larger than the manifest's " + f.size() + " bytes");
                }
                sha.update(buf, 0, r);
                out.write(buf, 0, r);
            }
        }
        check(key, f, n, HexFormat.of().formatHex(sha.digest()));
    }

    /** Checks every file of a local copy against the manifest. */
    static void verify(Path dir, CheckpointFiles files) throws IOException {
        for (CheckpointFiles.Entry f : files.fetched()) {
            Path p = dir.resolve(f.path()).normalize();
            if (!p.startsWith(dir) || !Files.isRegularFile(p)) {
                throw new IOException("missing file " + f.path());
            }
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                long n = 0;
                try (InputStream in = Files.newInputStream(p)) {
                    byte[] buf = new byte[1 << 20];
                    for (int r; (r = in.read(buf)) > 0; ) {
                        n += r;
                        sha.update(buf, 0, r);
                    }
                }
                check(f.path(), f, n, HexFormat.of().formatHex(sha.digest()));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static void check(String what, CheckpointFiles.Entry f, long size, String sha) throws IOException {
        if (size != f.size()) {
            throw new IOException(what + ": " + size + " bytes, the manifest says " + f.size());
        }
        if (!sha.equals(f.sha256())) {
            throw new IOException(what + ": SHA-256 " + sha + ", the manifest says " + f.sha256());
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> {
                try {
                    Files.deleteIfExists(x);
                } catch (IOException ignored) {
                    // best effort: a leftover temporary folder is only disk
                }
            });
        } catch (IOException ignored) {
            // same
        }
    }
}
