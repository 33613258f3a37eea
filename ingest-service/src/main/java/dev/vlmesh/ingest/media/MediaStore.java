package dev.vlmesh.ingest.media;

import dev.vlmesh.engine.media.MediaInfo;
import dev.vlmesh.engine.media.MediaKind;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.ingest.api.Problems;
import dev.vlmesh.ingest.metrics.IngestMetrics;
import dev.vlmesh.ingest.store.IngestKeys;
import dev.vlmesh.ingest.store.StateStore;
import dev.vlmesh.ingest.store.StoreUnavailableException;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Map;

/**
 * Content-addressed media: each file is stored once under {@code media/sha256/ab/<digest>}, streamed from disk in
 * parts (the S3 client holds one part, never the file). A tenant may reference by digest only media it stored itself:
 * a small per-tenant record says so, and carries what the probe learned, so a job referencing stored media needs no
 * second probe.
 */
@ApplicationScoped
public class MediaStore {

    @Inject
    MinioClient s3;

    @Inject
    StoreLayout layout;

    @Inject
    StateStore state;

    @Inject
    IngestMetrics metrics;

    /** Stores a verified local file unless the store already holds its digest; records the tenant's ownership. */
    public MediaRef store(String tenant, VerifiedMedia m) {
        String key = StoreLayout.mediaKey(m.sha256());
        long size = m.info().sizeBytes();
        if (!exists(key)) {
            try (InputStream in = Files.newInputStream(m.file())) {
                s3.putObject(PutObjectArgs.builder().bucket(layout.mediaBucket()).object(key).stream(in, size, -1)
                        .contentType(m.info().format().mimeType())
                        .userMetadata(Map.of("sha256", m.sha256()))
                        .build());
            } catch (Exception e) {
                throw new StoreUnavailableException("storing " + key + ": " + e.getMessage(), e);
            }
            metrics.mediaStored(m.info().kind(), size, "direct");
        }
        MediaRef ref = ref(m.info(), m.sha256(), key);
        recordOwner(tenant, ref);
        return ref;
    }

    /** The tenant's stored media by digest, or a 422 problem when the tenant never stored it (or it is gone). */
    public MediaRef lookup(String tenant, String sha256) {
        MediaRef ref = state.get(IngestKeys.tenantMedia(tenant, sha256), MediaRef.class)
                .map(StateStore.Versioned::value).orElse(null);
        if (ref == null) {
            throw Problems.mediaNotFound("no media with sha256 " + sha256 + " was stored by this tenant: send the file "
                    + "in a multipart request or through POST /v1/uploads first");
        }
        if (!exists(ref.key())) {
            throw Problems.mediaNotFound("the media with sha256 " + sha256 + " is no longer in the store: upload it "
                    + "again");
        }
        return ref;
    }

    public void recordOwner(String tenant, MediaRef ref) {
        state.put(IngestKeys.tenantMedia(tenant, ref.sha256()), ref);
    }

    public boolean exists(String key) {
        try {
            s3.statObject(StatObjectArgs.builder().bucket(layout.mediaBucket()).object(key).build());
            return true;
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if ("NoSuchKey".equals(code) || "NoSuchObject".equals(code)) {
                return false;
            }
            throw new StoreUnavailableException("checking " + key + ": " + code, e);
        } catch (Exception e) {
            throw new StoreUnavailableException("checking " + key + ": " + e.getMessage(), e);
        }
    }

    public MediaRef ref(MediaInfo info, String sha256, String key) {
        return new MediaRef(info.kind() == MediaKind.IMAGE ? MediaRef.Kind.image : MediaRef.Kind.video,
                layout.mediaBucket(), key, sha256, info.sizeBytes(), info.format().wireName(), info.width(),
                info.height(), info.durationSeconds(), info.frameCount());
    }
}
