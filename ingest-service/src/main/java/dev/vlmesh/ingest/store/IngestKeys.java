package dev.vlmesh.ingest.store;

import dev.vlmesh.events.StoreLayout;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Keys of ingest's own documents in the media bucket. Only ingest reads them, so they live here rather than in the
 * shared {@link StoreLayout}; every tenant has its own prefix.
 *
 * <pre>
 * ingest/idempotency/{tenant}/{sha256(Idempotency-Key)}.json   request fingerprint, job id, stored response
 * ingest/uploads/{tenant}/{uploadId}.json                      a presigned upload: declared size and digest, state
 * ingest/tenant-media/{tenant}/{sha256}.json                   the tenant stored this media (its verified MediaRef)
 * </pre>
 */
public final class IngestKeys {
    private IngestKeys() {
    }

    public static String idempotency(String tenant, String idempotencyKey) {
        return "ingest/idempotency/" + StoreLayout.safe(tenant, "tenant") + "/" + sha256Hex(idempotencyKey) + ".json";
    }

    public static String upload(String tenant, String uploadId) {
        return "ingest/uploads/" + StoreLayout.safe(tenant, "tenant") + "/" + StoreLayout.safe(uploadId, "upload id")
                + ".json";
    }

    public static String tenantMedia(String tenant, String sha256) {
        StoreLayout.mediaKey(sha256); // validates the digest's shape
        return "ingest/tenant-media/" + StoreLayout.safe(tenant, "tenant") + "/" + sha256 + ".json";
    }

    public static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
