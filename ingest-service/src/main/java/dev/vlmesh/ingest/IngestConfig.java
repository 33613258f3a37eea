package dev.vlmesh.ingest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every ingest knob ({@code vlmesh.ingest.*}); defaults are in application.properties and the README. */
@ConfigMapping(prefix = "vlmesh.ingest")
public interface IngestConfig {

    /** Where results-service answers; job links in 202 responses point there. */
    String resultsBaseUrl();

    /** Model used when a request names none. */
    String defaultModel();

    /** Names this instance (transactional producer id, ledger consumer group); unique per running instance. */
    String instanceId();

    /** Seconds a client is told to wait (Retry-After) when the broker or the store is unavailable. */
    @WithDefault("5")
    int unavailableRetryAfterSeconds();

    Limits limits();

    Kafka kafka();

    Uploads uploads();

    Tenants tenants();

    Idempotency idempotency();

    interface Limits {
        long imageMaxBytes();

        long imageMaxPixels();

        long videoMaxBytes();

        long videoMaxPixels();

        double videoMaxSeconds();

        long videoMaxFrames();

        /** Video codecs accepted (FFmpeg names, as the workers' decode allow list). */
        List<String> videoCodecs();

        int mediaPerJob();

        int promptMaxChars();

        int maxNewTokens();

        int maxTiles();

        int maxFrames();

        int jsonMaxBytes();

        int batchMaxBytes();

        int batchMaxLines();
    }

    interface Kafka {
        /** Bootstrap servers of the job producer; defaults to {@code kafka.bootstrap.servers}. */
        Optional<String> bootstrap();

        /** How long a send may wait for broker metadata before the request fails with 503. */
        long maxBlockMs();

        long requestTimeoutMs();

        long deliveryTimeoutMs();
    }

    interface Uploads {
        /** Lifetime of presigned URLs (and of an upload that was never used). */
        Duration expiry();

        /** Uploads larger than this get presigned multipart parts. */
        long multipartThresholdBytes();

        long partSizeBytes();

        /** Endpoint presigned URLs are made for, when clients reach the store by another address than ingest. */
        Optional<String> publicEndpoint();
    }

    interface Tenants {
        /** Sustained requests per second per tenant (a batch is one request). */
        double ratePerSecond();

        /** Requests a tenant may burst above the sustained rate. */
        int burst();

        /** Jobs a tenant may have submitted and not yet finished. */
        int maxQueuedJobs();

        /** A job with no terminal event after this long stops counting against the cap. */
        Duration queuedJobTtl();
    }

    interface Idempotency {
        /** How long a key is remembered. */
        Duration ttl();

        /** How long a request holds its key before a retry may take it over (only after a crash). */
        Duration lease();
    }
}
