package dev.vlmesh.infer.media;

import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.infer.backend.JobFailure;
import dev.vlmesh.infer.backend.MediaInput;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.http.Method;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A job's media in the object store. Fetched once, with the size limit enforced while reading and the SHA-256
 * compared with the one ingest recorded: the key is content-addressed, so a mismatch means corruption, never a
 * newer version.
 */
public final class StoreMedia implements MediaInput {

    private final MinioClient s3;
    private final MediaRef ref;
    private final long maxBytes;
    private byte[] data;
    private long fetchMs;

    public StoreMedia(MinioClient s3, MediaRef ref, long maxBytes) {
        this.s3 = s3;
        this.ref = ref;
        this.maxBytes = maxBytes;
    }

    @Override
    public MediaRef.Kind kind() {
        return ref.kind();
    }

    @Override
    public String format() {
        return ref.format();
    }

    /** Milliseconds spent fetching (0 until fetched). */
    public long fetchMs() {
        return fetchMs;
    }

    @Override
    public synchronized byte[] bytes() throws JobFailure, InterruptedException {
        if (data != null) {
            return data;
        }
        checkRef();
        if (ref.sizeBytes() > maxBytes) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_TOO_LARGE, "media " + ref.key() + " has " + ref.sizeBytes()
                    + " bytes; the worker accepts at most " + maxBytes);
        }
        long t0 = System.nanoTime();
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, Math.min(ref.sizeBytes(), maxBytes)));
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(ref.bucket()).object(ref.key()).build())) {
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > maxBytes) {
                    throw JobFailure.permanent(ErrorCodes.MEDIA_TOO_LARGE, "media " + ref.key()
                            + " is larger than the " + maxBytes + " bytes the worker accepts");
                }
                sha.update(buf, 0, n);
                out.write(buf, 0, n);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } catch (ErrorResponseException e) {
            throw notFoundOrRetry(e);
        } catch (JobFailure | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw JobFailure.retryable(ErrorCodes.INTERNAL, "could not fetch media " + ref.bucket() + "/" + ref.key()
                    + ": " + e.getMessage(), e);
        }
        String digest = HexFormat.of().formatHex(sha.digest());
        if (!digest.equals(ref.sha256())) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_DIGEST_MISMATCH, "media " + ref.key() + " has SHA-256 "
                    + digest + " but the job says " + ref.sha256());
        }
        data = out.toByteArray();
        fetchMs = (System.nanoTime() - t0) / 1_000_000;
        return data;
    }

    /**
     * Streams the object into a temporary file (size limit and SHA-256 checked while streaming, the file deleted on
     * any failure), so a long video never sits in the heap.
     */
    @Override
    public java.nio.file.Path toFile(java.nio.file.Path dir) throws JobFailure, InterruptedException {
        synchronized (this) {
            if (data != null) {
                return MediaInput.super.toFile(dir);
            }
        }
        checkRef();
        if (ref.sizeBytes() > maxBytes) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_TOO_LARGE, "media " + ref.key() + " has " + ref.sizeBytes()
                    + " bytes; the worker accepts at most " + maxBytes);
        }
        long t0 = System.nanoTime();
        java.nio.file.Path file;
        try {
            java.nio.file.Files.createDirectories(dir);
            file = java.nio.file.Files.createTempFile(dir, "vlmesh-media-", "." + (ref.format() == null ? "bin"
                    : ref.format().replaceAll("[^a-z0-9]", "")));
        } catch (java.io.IOException e) {
            throw JobFailure.retryable(ErrorCodes.INTERNAL, "could not create a temporary file in " + dir + ": "
                    + e.getMessage(), e);
        }
        boolean ok = false;
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(ref.bucket()).object(ref.key()).build());
                 java.io.OutputStream out = java.nio.file.Files.newOutputStream(file)) {
                byte[] buf = new byte[256 * 1024];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    total += n;
                    if (total > maxBytes) {
                        throw JobFailure.permanent(ErrorCodes.MEDIA_TOO_LARGE, "media " + ref.key()
                                + " is larger than the " + maxBytes + " bytes the worker accepts");
                    }
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
            }
            String digest = HexFormat.of().formatHex(sha.digest());
            if (!digest.equals(ref.sha256())) {
                throw JobFailure.permanent(ErrorCodes.MEDIA_DIGEST_MISMATCH, "media " + ref.key() + " has SHA-256 "
                        + digest + " but the job says " + ref.sha256());
            }
            fetchMs = (System.nanoTime() - t0) / 1_000_000;
            ok = true;
            return file;
        } catch (ErrorResponseException e) {
            throw notFoundOrRetry(e);
        } catch (JobFailure | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw JobFailure.retryable(ErrorCodes.INTERNAL, "could not fetch media " + ref.bucket() + "/" + ref.key()
                    + ": " + e.getMessage(), e);
        } finally {
            if (!ok) {
                try {
                    java.nio.file.Files.deleteIfExists(file);
                } catch (java.io.IOException ignored) {
                    // best effort
                }
            }
        }
    }

    @Override
    public Optional<String> url(long expirySeconds) throws JobFailure {
        checkRef();
        try {
            s3.statObject(StatObjectArgs.builder().bucket(ref.bucket()).object(ref.key()).build());
            return Optional.of(s3.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(Method.GET)
                    .bucket(ref.bucket()).object(ref.key()).expiry((int) Math.min(expirySeconds, 7 * 24 * 3600))
                    .build()));
        } catch (ErrorResponseException e) {
            throw notFoundOrRetry(e);
        } catch (Exception e) {
            throw JobFailure.retryable(ErrorCodes.INTERNAL, "could not presign media " + ref.key() + ": "
                    + e.getMessage(), e);
        }
    }

    private void checkRef() throws JobFailure {
        if (ref.bucket() == null || ref.key() == null || ref.sha256() == null || ref.kind() == null) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_INVALID, "media reference lacks bucket, key, sha256 or kind");
        }
        try {
            if (!StoreLayout.mediaKey(ref.sha256()).equals(ref.key()) && !ref.key().startsWith("media/")) {
                throw JobFailure.permanent(ErrorCodes.MEDIA_INVALID, "media key " + ref.key()
                        + " is not a content-addressed media key");
            }
        } catch (IllegalArgumentException e) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_INVALID, e.getMessage());
        }
    }

    private JobFailure notFoundOrRetry(ErrorResponseException e) {
        String code = e.errorResponse().code();
        if ("NoSuchKey".equals(code) || "NoSuchBucket".equals(code) || "NoSuchObject".equals(code)) {
            return JobFailure.permanent(ErrorCodes.MEDIA_NOT_FOUND, "media " + ref.bucket() + "/" + ref.key()
                    + " is not in the store (" + code + ")");
        }
        return JobFailure.retryable(ErrorCodes.INTERNAL, "store refused media " + ref.key() + ": " + code, e);
    }
}
