package dev.vlmesh.infer.config;

import dev.vlmesh.engine.tensor.WeightFormat;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;

/**
 * Every knob of the worker, read once from MicroProfile Config (Quarkus's, or the standalone one of
 * {@link dev.vlmesh.infer.WorkerMain}). Defaults live in {@code application.properties} only, so the two ways of
 * running the worker cannot drift apart.
 */
public record WorkerSettings(
        String workerId,
        String namespace,
        String kafkaBootstrap,
        String s3Endpoint,
        String s3AccessKey,
        String s3SecretKey,
        String s3Region,
        boolean consumeJobs,
        String backend,
        int batchSize,
        long memoryBudgetBytes,
        int queueCapacity,
        int maxAttempts,
        long retryBackoffMs,
        long deltaIntervalMs,
        int deltaMaxTokens,
        int sessionTimeoutMs,
        long cancelLookbackMs,
        long shutdownGraceMs,
        Optional<String> modelName,
        Path localModelPath,
        Optional<String> localModelName,
        Path cacheDir,
        boolean verifyCachedFiles,
        int defaultMaxNewTokens,
        int maxNewTokensCap,
        int defaultMaxTiles,
        int defaultNumFrames,
        long maxMediaBytes,
        Optional<String> openAiBaseUrl,
        Optional<String> openAiApiKey,
        Optional<String> openAiModel,
        String openAiMedia,
        long openAiPresignExpirySeconds,
        long openAiTimeoutMs,
        boolean apiEnabled,
        List<String> apiAllowedMediaOrigins,
        long apiMaxImageBytes,
        int engineThreads,
        WeightFormat engineWeights,
        VideoSettings video) {

    public static final String PREFIX = "vlmesh.infer.";

    public static WorkerSettings from(Config c) {
        return new WorkerSettings(
                opt(c, PREFIX + "worker-id").orElseGet(WorkerSettings::defaultWorkerId),
                opt(c, "vlmesh.namespace").orElse(""),
                req(c, "kafka.bootstrap.servers"),
                req(c, "vlmesh.s3.endpoint"),
                req(c, "vlmesh.s3.access-key"),
                req(c, "vlmesh.s3.secret-key"),
                opt(c, "vlmesh.s3.region").orElse("us-east-1"),
                bool(c, PREFIX + "consume-jobs"),
                oneOf(c, PREFIX + "backend", "embedded", "openai"),
                positive(c, PREFIX + "batch.max-size"),
                positiveLong(c, PREFIX + "batch.memory-budget-mb") * 1024 * 1024,
                positive(c, PREFIX + "queue.capacity"),
                positive(c, PREFIX + "retry.max-attempts"),
                positiveLong(c, PREFIX + "retry.backoff-ms"),
                positiveLong(c, PREFIX + "delta.max-interval-ms"),
                positive(c, PREFIX + "delta.max-tokens"),
                positive(c, PREFIX + "kafka.session-timeout-ms"),
                positiveLong(c, PREFIX + "cancel.lookback-ms"),
                positiveLong(c, PREFIX + "shutdown-grace-ms"),
                opt(c, PREFIX + "model.name"),
                Path.of(req(c, PREFIX + "model.local-path")),
                opt(c, PREFIX + "model.local-name"),
                Path.of(req(c, PREFIX + "model.cache-dir")),
                bool(c, PREFIX + "model.verify-cached-files"),
                positive(c, PREFIX + "generation.default-max-new-tokens"),
                positive(c, PREFIX + "generation.max-new-tokens-cap"),
                positive(c, PREFIX + "generation.default-max-tiles"),
                positive(c, PREFIX + "generation.default-num-frames"),
                positiveLong(c, PREFIX + "media.max-bytes"),
                opt(c, PREFIX + "openai.base-url"),
                opt(c, PREFIX + "openai.api-key"),
                opt(c, PREFIX + "openai.model"),
                oneOf(c, PREFIX + "openai.media", "presigned", "data"),
                positiveLong(c, PREFIX + "openai.presign-expiry-seconds"),
                positiveLong(c, PREFIX + "openai.timeout-ms"),
                bool(c, PREFIX + "api.enabled"),
                opt(c, PREFIX + "api.allowed-media-origins").map(s -> List.of(s.split("\\s*,\\s*")))
                        .orElse(List.of()),
                positiveLong(c, PREFIX + "api.max-image-bytes"),
                c.getOptionalValue(PREFIX + "engine.threads", Integer.class).filter(n -> n > 0)
                        .orElse(Runtime.getRuntime().availableProcessors()),
                WeightFormat.parse(opt(c, PREFIX + "engine.weights").orElse("as-stored")),
                new VideoSettings(
                        positive(c, PREFIX + "video.max-num-frames"),
                        positiveDouble(c, PREFIX + "video.max-seconds"),
                        positiveLong(c, PREFIX + "video.max-pixels"),
                        positiveLong(c, PREFIX + "video.max-frames"),
                        java.time.Duration.ofMillis(positiveLong(c, PREFIX + "video.decode-budget-ms")),
                        positiveDouble(c, PREFIX + "video.min-segment-seconds"),
                        positive(c, PREFIX + "video.max-segments"),
                        Path.of(req(c, PREFIX + "video.natives-dir")),
                        Path.of(req(c, PREFIX + "video.temp-dir")),
                        positive(c, PREFIX + "video.decoder-threads")));
    }

    private static double positiveDouble(Config c, String key) {
        String v = req(c, key);
        try {
            double d = Double.parseDouble(v);
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration " + key + " must be a positive number, got '" + v + "'");
        }
    }

    /**
     * The model name jobs must ask for: {@code model.name}, else {@code model.local-name}; empty (no check) for an
     * unnamed local checkpoint, whose folder name is no deployment's identity.
     */
    public Optional<String> servedModel() {
        return modelName.or(() -> localModelName);
    }

    public boolean embedded() {
        return backend.equals("embedded");
    }

    /** The embedded engine is loaded for the embedded backend, and for the OpenAI-compatible API. */
    public boolean needsEngine() {
        return embedded() || apiEnabled;
    }

    private static String defaultWorkerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "worker";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }

    private static Optional<String> opt(Config c, String key) {
        return c.getOptionalValue(key, String.class).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static String req(Config c, String key) {
        return opt(c, key).orElseThrow(() -> new IllegalArgumentException("configuration " + key + " is not set"));
    }

    private static boolean bool(Config c, String key) {
        String v = req(c, key);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("configuration " + key + " must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private static String oneOf(Config c, String key, String... allowed) {
        String v = req(c, key);
        if (!List.of(allowed).contains(v)) {
            throw new IllegalArgumentException("configuration " + key + " must be one of " + List.of(allowed)
                    + ", got '" + v + "'");
        }
        return v;
    }

    private static int positive(Config c, String key) {
        return Math.toIntExact(positiveLong(c, key));
    }

    private static long positiveLong(Config c, String key) {
        String v = req(c, key);
        try {
            long n = Long.parseLong(v);
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration " + key + " must be a positive integer, got '" + v + "'");
        }
    }
}
