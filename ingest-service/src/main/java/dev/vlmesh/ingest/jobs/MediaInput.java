package dev.vlmesh.ingest.jobs;

import dev.vlmesh.ingest.media.VerifiedMedia;

/** One media item of a request, in request order: a file sent with it, stored media, or a presigned upload. */
public sealed interface MediaInput {

    /** What makes two requests' media the same for idempotency. */
    String identity();

    record Attached(VerifiedMedia media) implements MediaInput {
        public String identity() {
            return "sha256:" + media.sha256();
        }
    }

    record Stored(String sha256) implements MediaInput {
        public String identity() {
            return "sha256:" + sha256;
        }
    }

    record Upload(String uploadId) implements MediaInput {
        public String identity() {
            return "upload:" + uploadId;
        }
    }
}
