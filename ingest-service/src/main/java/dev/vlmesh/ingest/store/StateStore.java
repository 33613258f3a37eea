package dev.vlmesh.ingest.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.StoreLayout;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.ObjectWriteResponse;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.errors.ErrorResponseException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.util.Map;
import java.util.Optional;

/**
 * Small JSON documents ingest keeps in the object store (idempotency records, upload records, which tenant stored
 * which media), under {@code ingest/} in the media bucket. The store is the one durable, shared place every ingest
 * instance already depends on, and it offers what these records need: a key-addressed read, and conditional writes
 * ({@code If-None-Match: *} to create once, {@code If-Match: etag} to update what was read) so that concurrent
 * instances cannot both win.
 */
@ApplicationScoped
public class StateStore {

    /** A document and the ETag it was read with. */
    public record Versioned<T>(T value, String etag) {
    }

    private static final ObjectMapper JSON = EventCodec.json();

    @Inject
    MinioClient s3;

    @Inject
    StoreLayout layout;

    public <T> Optional<Versioned<T>> get(String key, Class<T> type) {
        try (GetObjectResponse in = s3.getObject(GetObjectArgs.builder().bucket(layout.mediaBucket()).object(key)
                .build())) {
            String etag = in.headers().get("ETag");
            return Optional.of(new Versioned<>(JSON.readValue(in, type), etag == null ? "" : etag.replace("\"", "")));
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if ("NoSuchKey".equals(code) || "NoSuchObject".equals(code)) {
                return Optional.empty();
            }
            throw new StoreUnavailableException("reading " + key + ": " + code, e);
        } catch (Exception e) {
            throw new StoreUnavailableException("reading " + key + ": " + e.getMessage(), e);
        }
    }

    /** Creates the document unless one exists; returns its ETag, or null when another writer got there first. */
    public String createIfAbsent(String key, Object value) {
        return write(key, value, Map.of("If-None-Match", "*"));
    }

    /** Replaces the document only if it is still the version read; returns the new ETag, or null if it changed. */
    public String replaceIfMatch(String key, Object value, String etag) {
        return write(key, value, Map.of("If-Match", quoted(etag)));
    }

    public void put(String key, Object value) {
        write(key, value, Map.of());
    }

    public void delete(String key) {
        try {
            s3.removeObject(RemoveObjectArgs.builder().bucket(layout.mediaBucket()).object(key).build());
        } catch (Exception e) {
            throw new StoreUnavailableException("deleting " + key + ": " + e.getMessage(), e);
        }
    }

    private String write(String key, Object value, Map<String, String> headers) {
        byte[] body = EventCodec.toJson(value);
        try {
            ObjectWriteResponse r = s3.putObject(PutObjectArgs.builder().bucket(layout.mediaBucket()).object(key)
                    .stream(new ByteArrayInputStream(body), body.length, -1).contentType("application/json")
                    .headers(headers).build());
            return r.etag() == null ? "" : r.etag();
        } catch (ErrorResponseException e) {
            if ("PreconditionFailed".equals(e.errorResponse().code())) {
                return null;
            }
            throw new StoreUnavailableException("writing " + key + ": " + e.errorResponse().code(), e);
        } catch (Exception e) {
            throw new StoreUnavailableException("writing " + key + ": " + e.getMessage(), e);
        }
    }

    private static String quoted(String etag) {
        return etag.startsWith("\"") ? etag : "\"" + etag + "\"";
    }
}
