package dev.vlmesh.ingest.uploads;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Bodies of the upload endpoints. snake_case on the wire, like the rest of the public API; requests still accept the
 * camelCase names the first clients were written with.
 */
public final class UploadRequests {
    private UploadRequests() {
    }

    /**
     * {@code POST /v1/uploads}.
     *
     * @param sizeBytes exact size of the file to upload
     * @param sha256    its SHA-256 (hex); the upload is refused at verification if the content differs
     * @param filename  informational only: the type is always read from the content
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CreateUpload(@JsonAlias("sizeBytes") Long sizeBytes, String sha256, String filename) {
    }

    /** One presigned part URL. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PartUrl(int partNumber, long sizeBytes, String url) {
    }

    /**
     * The answer to {@code POST /v1/uploads}: PUT the file to {@code url} (single) or each part to its URL
     * (multipart, then {@code POST complete} with the parts' ETags, or just reference the upload in a job: ingest
     * completes it when every part is there).
     *
     * @param headers HTTP headers the PUT must carry, by their HTTP names (map keys are not renamed)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record UploadTicket(String uploadId, String state, long sizeBytes, String sha256, boolean multipart,
                               String method, String url, Map<String, String> headers, Long partSizeBytes,
                               List<PartUrl> parts, String completeUrl, Instant expiresAt, String self) {
    }

    /** {@code POST /v1/uploads/{id}/complete}: the ETag each part PUT answered with. */
    public record CompleteUpload(List<CompletedPart> parts) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CompletedPart(@JsonAlias("partNumber") Integer partNumber, String etag) {
    }

    /** {@code GET /v1/uploads/{id}}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record UploadStatus(String uploadId, String state, long sizeBytes, String sha256, boolean multipart,
                               int parts, Instant createdAt, Instant expiresAt, String mediaSha256) {
        static UploadStatus of(UploadRecord r) {
            return new UploadStatus(r.uploadId(), r.state(), r.sizeBytes(), r.sha256(), r.multipart(), r.parts(),
                    r.createdAt(), r.expiresAt(), r.mediaSha256());
        }
    }
}
