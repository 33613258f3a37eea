package dev.vlmesh.ingest.uploads;

import com.google.common.collect.ImmutableMultimap;
import dev.vlmesh.engine.media.BlockCachedSource;
import dev.vlmesh.engine.media.MediaException;
import dev.vlmesh.engine.media.MediaFormat;
import dev.vlmesh.engine.media.MediaInfo;
import dev.vlmesh.engine.media.MediaKind;
import dev.vlmesh.engine.media.MediaProbe;
import dev.vlmesh.events.Ids;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.quarkus.S3Config;
import dev.vlmesh.ingest.IngestConfig;
import dev.vlmesh.ingest.api.Problems;
import dev.vlmesh.ingest.media.MediaIntake;
import dev.vlmesh.ingest.media.MediaStore;
import dev.vlmesh.ingest.media.S3RangeSource;
import dev.vlmesh.ingest.media.Sha256;
import dev.vlmesh.ingest.metrics.IngestMetrics;
import dev.vlmesh.ingest.store.IngestKeys;
import dev.vlmesh.ingest.store.StateStore;
import dev.vlmesh.ingest.store.StoreUnavailableException;
import dev.vlmesh.ingest.uploads.UploadRequests.CompleteUpload;
import dev.vlmesh.ingest.uploads.UploadRequests.CompletedPart;
import dev.vlmesh.ingest.uploads.UploadRequests.CreateUpload;
import dev.vlmesh.ingest.uploads.UploadRequests.PartUrl;
import dev.vlmesh.ingest.uploads.UploadRequests.UploadStatus;
import dev.vlmesh.ingest.uploads.UploadRequests.UploadTicket;
import io.minio.CopyObjectArgs;
import io.minio.CopySource;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.RemoveObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.http.Method;
import io.minio.messages.Part;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

/**
 * Presigned uploads: large media go straight from the client to the object store ({@code uploads/{tenant}/{id}}),
 * never through ingest. A job that references an upload makes ingest verify it before the job is accepted: it
 * exists, has the declared size, is an accepted type within the limits (probed by range reads: an MP4's index may
 * sit at the end of a gigabyte), and has the declared SHA-256 (one streaming pass). Then it is copied inside the
 * store to its content address and the upload object is removed.
 */
@ApplicationScoped
public class UploadService {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    /** S3 allows at most 10 000 parts, each at least 5 MiB except the last. */
    private static final long MIN_PART = 5L << 20;
    private static final int MAX_PARTS = 10_000;

    @Inject
    MinioClient s3;

    @Inject
    S3Config s3Config;

    @Inject
    StoreLayout layout;

    @Inject
    StateStore state;

    @Inject
    MediaStore mediaStore;

    @Inject
    MediaIntake intake;

    @Inject
    IngestConfig config;

    @Inject
    IngestMetrics metrics;

    private MinioAsyncClient multipart;
    private MinioClient presigner;

    @PostConstruct
    void init() {
        multipart = MinioAsyncClient.builder().endpoint(s3Config.endpoint())
                .credentials(s3Config.accessKey(), s3Config.secretKey()).region(s3Config.region()).build();
        // URLs are signed for the host clients use, which may differ from the one ingest talks to
        String publicEndpoint = config.uploads().publicEndpoint().orElse(s3Config.endpoint());
        presigner = MinioClient.builder().endpoint(publicEndpoint)
                .credentials(s3Config.accessKey(), s3Config.secretKey()).region(s3Config.region()).build();
    }

    public UploadTicket create(String tenant, CreateUpload req) {
        if (req == null || req.sizeBytes() == null) {
            throw Problems.invalidField("size_bytes", "'size_bytes' (the exact size of the file) is required");
        }
        long size = req.sizeBytes();
        long max = Math.max(config.limits().imageMaxBytes(), config.limits().videoMaxBytes());
        if (size < 1) {
            throw Problems.invalidField("size_bytes", "size_bytes must be at least 1");
        }
        if (size > max) {
            throw new dev.vlmesh.events.quarkus.Problem.ProblemException(dev.vlmesh.events.quarkus.Problem.of(413,
                    "media-too-large", "Media too large", "a file of " + size + " bytes is over the largest accepted "
                            + "size of " + max + " bytes").with("limit", "file-size").with("maximum", max));
        }
        String sha = req.sha256() == null ? null : req.sha256().toLowerCase(Locale.ROOT);
        if (sha == null || !HEX64.matcher(sha).matches()) {
            throw Problems.invalidField("sha256", "'sha256' (the file's SHA-256 in hex, e.g. from sha256sum) is "
                    + "required");
        }
        String filename = req.filename();
        if (filename != null && (filename.length() > 255 || filename.chars().anyMatch(c -> c < 0x20))) {
            throw Problems.invalidField("filename", "filename must be at most 255 printable characters");
        }
        String id = Ids.newUploadId();
        String key = StoreLayout.uploadKey(tenant, id);
        Instant now = Instant.now();
        Instant expires = now.plus(config.uploads().expiry());
        int expirySeconds = (int) Math.min(7 * 24 * 3600, config.uploads().expiry().toSeconds());
        UploadRecord record;
        UploadTicket ticket;
        String self = "/v1/uploads/" + id;
        if (size > config.uploads().multipartThresholdBytes()) {
            long partSize = Math.max(MIN_PART, config.uploads().partSizeBytes());
            if ((size + partSize - 1) / partSize > MAX_PARTS) {
                partSize = ((size + MAX_PARTS - 1) / MAX_PARTS + MIN_PART - 1) / MIN_PART * MIN_PART;
            }
            int parts = (int) ((size + partSize - 1) / partSize);
            String s3UploadId;
            try {
                s3UploadId = multipart.createMultipartUploadAsync(layout.mediaBucket(), null, key,
                        ImmutableMultimap.of("Content-Type", "application/octet-stream"), null).get().result()
                        .uploadId();
            } catch (Exception e) {
                throw new StoreUnavailableException("starting a multipart upload: " + rootMessage(e), e);
            }
            List<PartUrl> urls = new ArrayList<>(parts);
            for (int n = 1; n <= parts; n++) {
                long partBytes = Math.min(partSize, size - (n - 1) * partSize);
                urls.add(new PartUrl(n, partBytes, presign(key, expirySeconds, Map.of("partNumber",
                        Integer.toString(n), "uploadId", s3UploadId))));
            }
            record = new UploadRecord(id, tenant, size, sha, filename, s3UploadId, partSize, parts, now, expires,
                    UploadRecord.AWAITING, null);
            ticket = new UploadTicket(id, record.state(), size, sha, true, "PUT", null, null, partSize, urls,
                    self + "/complete", expires, self);
        } else {
            record = new UploadRecord(id, tenant, size, sha, filename, null, size, 1, now, expires,
                    UploadRecord.AWAITING, null);
            ticket = new UploadTicket(id, record.state(), size, sha, false, "PUT", presign(key, expirySeconds,
                    Map.of()), Map.of("Content-Length", Long.toString(size)), null, null, null, expires, self);
        }
        state.put(IngestKeys.upload(tenant, id), record);
        metrics.uploadCreated(record.multipart());
        return ticket;
    }

    public UploadStatus status(String tenant, String uploadId) {
        return UploadStatus.of(load(tenant, uploadId, false).value());
    }

    /** Completes a multipart upload with the client's list of part ETags. */
    public UploadStatus complete(String tenant, String uploadId, CompleteUpload req) {
        StateStore.Versioned<UploadRecord> v = load(tenant, uploadId, false);
        UploadRecord r = v.value();
        if (!r.multipart()) {
            throw Problems.conflict("upload-not-multipart", "upload " + uploadId + " is a single PUT: there is "
                    + "nothing to complete; reference it in a job once the PUT succeeded");
        }
        if (!UploadRecord.AWAITING.equals(r.state())) {
            return UploadStatus.of(r); // completing twice is harmless
        }
        if (req == null || req.parts() == null || req.parts().isEmpty()) {
            throw Problems.invalidField("parts", "'parts' must list every part as {part_number, etag}");
        }
        List<Part> parts = new ArrayList<>();
        for (CompletedPart p : req.parts()) {
            if (p == null || p.partNumber() == null || p.etag() == null || p.etag().isBlank()) {
                throw Problems.invalidField("parts", "every part needs a part_number and the etag its PUT returned");
            }
            parts.add(new Part(p.partNumber(), p.etag().replace("\"", "")));
        }
        parts.sort(Comparator.comparingInt(Part::partNumber));
        if (parts.size() != r.parts() || parts.get(0).partNumber() != 1
                || parts.get(parts.size() - 1).partNumber() != r.parts()) {
            throw Problems.uploadIncomplete("upload " + uploadId + " has " + r.parts() + " parts; the request lists "
                    + parts.size());
        }
        completeInStore(r, parts);
        UploadRecord done = r.withState(UploadRecord.UPLOADED, null);
        state.replaceIfMatch(IngestKeys.upload(tenant, uploadId), done, v.etag());
        return UploadStatus.of(done);
    }

    public UploadStatus abort(String tenant, String uploadId) {
        StateStore.Versioned<UploadRecord> v = load(tenant, uploadId, false);
        UploadRecord r = v.value();
        if (UploadRecord.VERIFIED.equals(r.state())) {
            throw Problems.conflict("upload-verified", "upload " + uploadId + " was already verified and stored");
        }
        String key = StoreLayout.uploadKey(tenant, uploadId);
        try {
            if (r.multipart() && UploadRecord.AWAITING.equals(r.state())) {
                multipart.abortMultipartUploadAsync(layout.mediaBucket(), null, key, r.s3UploadId(), null, null).get();
            }
            s3.removeObject(RemoveObjectArgs.builder().bucket(layout.mediaBucket()).object(key).build());
        } catch (Exception e) {
            throw new StoreUnavailableException("aborting upload " + uploadId + ": " + rootMessage(e), e);
        }
        UploadRecord aborted = r.withState(UploadRecord.ABORTED, null);
        state.put(IngestKeys.upload(tenant, uploadId), aborted);
        return UploadStatus.of(aborted);
    }

    /**
     * Verifies the upload and stores it under its digest; returns its reference. Idempotent: a verified upload
     * answers from its record.
     */
    public MediaRef verifyAndStore(String tenant, String uploadId) {
        try {
            return verifyAndStoreOnce(tenant, uploadId);
        } catch (RuntimeException e) {
            // another request referencing the same upload may have verified and moved it meanwhile
            UploadRecord now;
            try {
                now = state.get(IngestKeys.upload(tenant, uploadId), UploadRecord.class)
                        .map(StateStore.Versioned::value).orElse(null);
            } catch (RuntimeException reloadFailed) {
                e.addSuppressed(reloadFailed);
                throw e;
            }
            if (now != null && UploadRecord.VERIFIED.equals(now.state())) {
                return mediaStore.lookup(tenant, now.mediaSha256());
            }
            throw e;
        }
    }

    private MediaRef verifyAndStoreOnce(String tenant, String uploadId) {
        StateStore.Versioned<UploadRecord> v = load(tenant, uploadId, true);
        UploadRecord r = v.value();
        if (UploadRecord.VERIFIED.equals(r.state())) {
            return mediaStore.lookup(tenant, r.mediaSha256());
        }
        if (UploadRecord.ABORTED.equals(r.state())) {
            throw Problems.mediaNotFound("upload " + uploadId + " was aborted");
        }
        String key = StoreLayout.uploadKey(tenant, uploadId);
        if (r.multipart() && UploadRecord.AWAITING.equals(r.state())) {
            completeFromListedParts(r);
            String etag = state.replaceIfMatch(IngestKeys.upload(tenant, uploadId),
                    r.withState(UploadRecord.UPLOADED, null), v.etag());
            v = new StateStore.Versioned<>(r.withState(UploadRecord.UPLOADED, null), etag == null ? v.etag() : etag);
            r = v.value();
        }
        StatObjectResponse stat = statUpload(key, r);
        if (stat.size() != r.sizeBytes()) {
            throw Problems.uploadMismatch("upload " + uploadId + " holds " + stat.size() + " bytes but " + r.sizeBytes()
                    + " were declared; PUT the complete file again to the same URL");
        }
        String etag = stat.etag();
        MediaProbe probe = intake.probe();
        MediaInfo info;
        String digest;
        Path spool = null;
        try (BlockCachedSource src = new BlockCachedSource(new S3RangeSource(s3, layout.mediaBucket(), key,
                stat.size(), etag), 64 * 1024, 32)) {
            MediaFormat format = MediaProbe.sniff(src);
            probe.limits().checkSize(format, stat.size());
            if (format.kind() == MediaKind.VIDEO) {
                info = intake.checkCodec(probe.probe(src)); // range reads, before the full pass
                digest = digest(key, etag, null);
            } else {
                // images are small (limit-checked above): one pass copies and digests, the probe reads the copy
                spool = Files.createTempFile("vlmesh-upload-", ".img");
                try (OutputStream out = Files.newOutputStream(spool)) {
                    digest = digest(key, etag, out);
                }
                info = probe.probe(spool);
            }
        } catch (MediaException e) {
            throw Problems.media(e, r.filename());
        } catch (S3RangeSource.ObjectChangedException e) {
            throw Problems.conflictRetry("upload-changed", "upload " + uploadId + " was replaced while it was being "
                    + "verified; retry once the upload is finished", 2);
        } catch (IOException e) {
            throw new StoreUnavailableException("reading upload " + uploadId + ": " + e.getMessage(), e);
        } finally {
            if (spool != null) {
                try {
                    Files.deleteIfExists(spool);
                } catch (IOException ignored) {
                    // a temp file left behind is cleaned with the temp directory
                }
            }
        }
        if (!digest.equals(r.sha256())) {
            throw Problems.uploadMismatch("upload " + uploadId + " has SHA-256 " + digest + " but " + r.sha256()
                    + " was declared; PUT the right file again to the same URL");
        }
        String mediaKey = StoreLayout.mediaKey(digest);
        if (!mediaStore.exists(mediaKey)) {
            copy(key, etag, mediaKey, uploadId);
            metrics.mediaStored(info.kind(), info.sizeBytes(), "presigned");
        }
        MediaRef ref = mediaStore.ref(info, digest, mediaKey);
        mediaStore.recordOwner(tenant, ref);
        state.put(IngestKeys.upload(tenant, uploadId), r.withState(UploadRecord.VERIFIED, digest));
        try {
            s3.removeObject(RemoveObjectArgs.builder().bucket(layout.mediaBucket()).object(key).build());
        } catch (Exception ignored) {
            // the media is stored; a leftover upload object only costs space until the bucket's cleanup
        }
        return ref;
    }

    private StateStore.Versioned<UploadRecord> load(String tenant, String uploadId, boolean asMediaReference) {
        try {
            StoreLayout.safe(uploadId, "upload id");
        } catch (IllegalArgumentException e) {
            throw asMediaReference ? Problems.invalidField("upload_id", e.getMessage())
                    : Problems.notFound("upload", e.getMessage());
        }
        var found = state.get(IngestKeys.upload(tenant, uploadId), UploadRecord.class).orElse(null);
        if (found == null) {
            String msg = "no upload " + uploadId + " for this tenant: create one with POST /v1/uploads";
            throw asMediaReference ? Problems.mediaNotFound(msg) : Problems.notFound("upload", msg);
        }
        if (!UploadRecord.VERIFIED.equals(found.value().state()) && found.value().expiresAt().isBefore(Instant.now())
                && asMediaReference) {
            throw Problems.mediaNotFound("upload " + uploadId + " expired at " + found.value().expiresAt()
                    + " before it was used; create a new one");
        }
        return found;
    }

    private StatObjectResponse statUpload(String key, UploadRecord r) {
        try {
            return s3.statObject(StatObjectArgs.builder().bucket(layout.mediaBucket()).object(key).build());
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if ("NoSuchKey".equals(code) || "NoSuchObject".equals(code)) {
                throw Problems.uploadIncomplete("nothing has been uploaded for upload " + r.uploadId() + " yet: PUT "
                        + "the file to its presigned URL first");
            }
            throw new StoreUnavailableException("checking upload " + r.uploadId() + ": " + code, e);
        } catch (Exception e) {
            throw new StoreUnavailableException("checking upload " + r.uploadId() + ": " + rootMessage(e), e);
        }
    }

    /** The client did not call complete: do it when the listed parts add up to the declared file. */
    private void completeFromListedParts(UploadRecord r) {
        String key = StoreLayout.uploadKey(r.tenant(), r.uploadId());
        List<Part> listed;
        try {
            listed = new ArrayList<>(multipart.listPartsAsync(layout.mediaBucket(), null, key, MAX_PARTS, 0,
                    r.s3UploadId(), null, null).get().result().partList());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ErrorResponseException er
                    && "NoSuchUpload".equals(er.errorResponse().code())) {
                return; // completed (or aborted) meanwhile: the stat that follows tells which
            }
            throw new StoreUnavailableException("listing the parts of upload " + r.uploadId() + ": "
                    + rootMessage(e), e);
        } catch (Exception e) {
            throw new StoreUnavailableException("listing the parts of upload " + r.uploadId() + ": "
                    + rootMessage(e), e);
        }
        listed.sort(Comparator.comparingInt(Part::partNumber));
        long total = listed.stream().mapToLong(Part::partSize).sum();
        boolean contiguous = !listed.isEmpty();
        for (int i = 0; i < listed.size() && contiguous; i++) {
            contiguous = listed.get(i).partNumber() == i + 1;
        }
        if (!contiguous || listed.size() != r.parts() || total != r.sizeBytes()) {
            throw Problems.uploadIncomplete("upload " + r.uploadId() + " has " + listed.size() + " of " + r.parts()
                    + " parts (" + total + " of " + r.sizeBytes() + " bytes): PUT the missing parts, then retry");
        }
        List<Part> parts = new ArrayList<>();
        for (Part p : listed) {
            parts.add(new Part(p.partNumber(), p.etag().replace("\"", "")));
        }
        completeInStore(r, parts);
    }

    private void completeInStore(UploadRecord r, List<Part> parts) {
        String key = StoreLayout.uploadKey(r.tenant(), r.uploadId());
        try {
            multipart.completeMultipartUploadAsync(layout.mediaBucket(), null, key, r.s3UploadId(),
                    parts.toArray(new Part[0]), null, null).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ErrorResponseException er) {
                String code = er.errorResponse().code();
                if (code.startsWith("InvalidPart") || code.equals("EntityTooSmall") || code.equals("NoSuchUpload")) {
                    throw Problems.uploadIncomplete("the store refused to complete upload " + r.uploadId() + " ("
                            + code + ": " + er.errorResponse().message() + ")");
                }
            }
            throw new StoreUnavailableException("completing upload " + r.uploadId() + ": " + rootMessage(e), e);
        } catch (Exception e) {
            throw new StoreUnavailableException("completing upload " + r.uploadId() + ": " + rootMessage(e), e);
        }
    }

    /** One streaming pass over the exact version that was probed (If-Match on its ETag). */
    private String digest(String key, String etag, OutputStream copy) throws IOException {
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(layout.mediaBucket()).object(key)
                .matchETag(etag).build())) {
            return Sha256.of(in, copy);
        } catch (ErrorResponseException e) {
            if ("PreconditionFailed".equals(e.errorResponse().code())) {
                throw new S3RangeSource.ObjectChangedException(key);
            }
            throw new IOException(e.errorResponse().code(), e);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(rootMessage(e), e);
        }
    }

    /** A server-side copy of the version that was verified; if the upload changed since, the copy is refused. */
    private void copy(String from, String etag, String to, String uploadId) {
        try {
            s3.copyObject(CopyObjectArgs.builder().bucket(layout.mediaBucket()).object(to)
                    .source(CopySource.builder().bucket(layout.mediaBucket()).object(from).matchETag(etag).build())
                    .build());
        } catch (ErrorResponseException e) {
            if ("PreconditionFailed".equals(e.errorResponse().code())) {
                throw Problems.conflictRetry("upload-changed", "upload " + uploadId + " was replaced while it was "
                        + "being verified; retry once the upload is finished", 2);
            }
            throw new StoreUnavailableException("storing upload " + uploadId + ": " + e.errorResponse().code(), e);
        } catch (Exception e) {
            throw new StoreUnavailableException("storing upload " + uploadId + ": " + rootMessage(e), e);
        }
    }

    private String presign(String key, int expirySeconds, Map<String, String> query) {
        try {
            return presigner.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(Method.PUT)
                    .bucket(layout.mediaBucket()).object(key).expiry(expirySeconds)
                    .extraQueryParams(new HashMap<>(query)).build());
        } catch (Exception e) {
            throw new StoreUnavailableException("presigning an upload URL: " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
