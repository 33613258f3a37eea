package dev.vlmesh.convert.store;

import dev.vlmesh.engine.convert.FileDigest;
import dev.vlmesh.engine.convert.Manifest;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Uploads a converted checkpoint to {@code models/{model}/{version}/}: every file the manifest lists, each tagged
 * with its SHA-256, and {@code manifest.json} last — readers treat a version as complete only once its manifest
 * exists. Objects already there with the right size and SHA-256 tag (from an interrupted attempt) are not sent again.
 */
public final class VersionUploader {
    static final String SHA_TAG = "sha256";
    private static final long PART_SIZE = 64L << 20;

    private final MinioClient s3;
    private final int attempts;
    private final long backoffMs;

    public VersionUploader(MinioClient s3, int attempts, long backoffMs) {
        this.s3 = s3;
        this.attempts = attempts;
        this.backoffMs = backoffMs;
    }

    /** @param progress told the bytes uploaded so far */
    public void upload(Path dir, Manifest manifest, String bucket, String prefix, LongConsumer progress)
            throws Exception {
        long done = 0;
        for (FileDigest f : manifest.files()) {
            String key = prefix + f.path();
            if (!alreadyThere(bucket, key, f)) {
                Path file = dir.resolve(f.path());
                Retry.call(attempts, backoffMs, () -> {
                    try (InputStream in = Files.newInputStream(file)) {
                        return s3.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                                .stream(in, f.size(), f.size() > PART_SIZE ? PART_SIZE : -1)
                                .userMetadata(Map.of(SHA_TAG, f.sha256())).build());
                    }
                });
            }
            done += f.size();
            progress.accept(done);
        }
        byte[] m = Files.readAllBytes(dir.resolve(Manifest.FILE));
        Retry.call(attempts, backoffMs, () -> s3.putObject(PutObjectArgs.builder().bucket(bucket)
                .object(prefix + Manifest.FILE).stream(new ByteArrayInputStream(m), m.length, -1)
                .contentType("application/json").build()));
    }

    private boolean alreadyThere(String bucket, String key, FileDigest f) throws Exception {
        try {
            StatObjectResponse st = s3.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            String tag = st.userMetadata().get(SHA_TAG);
            return st.size() == f.size() && f.sha256().equals(tag);
        } catch (ErrorResponseException e) {
            return false; // not there (or not readable): send it
        }
    }

    /** True when the version's manifest exists. */
    public boolean manifestExists(String bucket, String key) throws Exception {
        try {
            s3.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            return true;
        } catch (ErrorResponseException e) {
            if ("NoSuchKey".equals(e.errorResponse().code()) || "NotFound".equals(e.errorResponse().code())) {
                return false;
            }
            throw e;
        }
    }
}
