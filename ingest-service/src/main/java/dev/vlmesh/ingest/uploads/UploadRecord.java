package dev.vlmesh.ingest.uploads;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A presigned upload, as ingest remembers it (see {@code IngestKeys.upload}).
 *
 * @param sizeBytes     declared by the client; the upload must have exactly this size
 * @param sha256        declared by the client; the upload must have exactly this digest
 * @param s3UploadId    the store's multipart upload id, null for a single PUT
 * @param partSizeBytes every part but the last has this size (multipart only)
 * @param parts         number of parts (1 for a single PUT)
 * @param state         awaiting-upload, uploaded (multipart completed), verified, aborted
 * @param mediaSha256   set once verified: the media is stored under this digest (equal to sha256)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UploadRecord(String uploadId, String tenant, long sizeBytes, String sha256, String filename,
                           String s3UploadId, long partSizeBytes, int parts, Instant createdAt, Instant expiresAt,
                           String state, String mediaSha256) {
    public static final String AWAITING = "awaiting-upload";
    public static final String UPLOADED = "uploaded";
    public static final String VERIFIED = "verified";
    public static final String ABORTED = "aborted";

    public boolean multipart() {
        return s3UploadId != null;
    }

    public UploadRecord withState(String s, String media) {
        return new UploadRecord(uploadId, tenant, sizeBytes, sha256, filename, s3UploadId, partSizeBytes, parts,
                createdAt, expiresAt, s, media);
    }
}
