package dev.vlmesh.ingest.metrics;

import dev.vlmesh.engine.media.MediaKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Locale;

/**
 * Ingest's meters (Prometheus names in brackets):
 * <ul>
 * <li>{@code vlmesh.ingest.jobs.accepted{source}} [vlmesh_ingest_jobs_accepted_total] source = multipart, json,
 * batch</li>
 * <li>{@code vlmesh.ingest.media.stored{kind,path}} [vlmesh_ingest_media_stored_total] new objects in the store;
 * path = direct (multipart) or presigned</li>
 * <li>{@code vlmesh.ingest.media.bytes{kind,path}} [vlmesh_ingest_media_bytes_total] their bytes</li>
 * <li>{@code vlmesh.ingest.uploads.created{multipart}} [vlmesh_ingest_uploads_created_total]</li>
 * <li>{@code vlmesh.ingest.rejections{reason,status}} [vlmesh_ingest_rejections_total] reason = the problem type
 * (unsupported-media-type, invalid-media, media-too-large, rate-limited, broker-unavailable, …)</li>
 * <li>{@code vlmesh.ingest.request.latency{endpoint,status}} [vlmesh_ingest_request_latency_seconds]</li>
 * </ul>
 * No tenant label: tenants are unbounded, and a label per tenant would grow the registry without limit.
 */
@ApplicationScoped
public class IngestMetrics {

    @Inject
    MeterRegistry registry;

    public void jobAccepted(String source) {
        Counter.builder("vlmesh.ingest.jobs.accepted").tag("source", source).register(registry).increment();
    }

    public void mediaStored(MediaKind kind, long bytes, String path) {
        String k = kind.name().toLowerCase(Locale.ROOT);
        Counter.builder("vlmesh.ingest.media.stored").tag("kind", k).tag("path", path).register(registry).increment();
        Counter.builder("vlmesh.ingest.media.bytes").baseUnit("bytes").tag("kind", k).tag("path", path)
                .register(registry).increment(bytes);
    }

    public void uploadCreated(boolean multipart) {
        Counter.builder("vlmesh.ingest.uploads.created").tag("multipart", Boolean.toString(multipart))
                .register(registry).increment();
    }

    public void rejected(String reason, int status) {
        Counter.builder("vlmesh.ingest.rejections").tag("reason", reason).tag("status", Integer.toString(status))
                .register(registry).increment();
    }

    public void latency(String endpoint, int status, Duration d) {
        Timer.builder("vlmesh.ingest.request.latency").tag("endpoint", endpoint).tag("status",
                Integer.toString(status)).publishPercentileHistogram(false).register(registry).record(d);
    }
}
