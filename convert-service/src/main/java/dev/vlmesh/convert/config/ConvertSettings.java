package dev.vlmesh.convert.config;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;

/**
 * Every knob of the converter, read once from MicroProfile Config. Defaults live in {@code application.properties}
 * only (documented in convert-service/README.md).
 *
 * @param workDir             local folder for downloads and conversions (one sub-folder per conversion id, kept
 *                            across restarts so an interrupted conversion resumes)
 * @param maxSourceBytes      a source larger than this is refused before anything is downloaded
 * @param maxSourceFiles      likewise for the number of files
 * @param maxConcurrent       conversions running at once on this instance (they are I/O- and memory-bound)
 * @param throttleBytesPerSecond read limit of a conversion, 0 = none
 * @param verifyRoundTrip     also export back to the HuggingFace layout and compare (doubles the disk work)
 * @param keepFailedWorkDirs  keep the work folder of a failed conversion for inspection
 * @param progressIntervalMs  at most one progress event per conversion per this interval
 * @param s3Attempts          attempts per object transfer before the conversion fails
 */
public record ConvertSettings(
        String instanceId,
        String namespace,
        String kafkaBootstrap,
        Path workDir,
        long maxSourceBytes,
        int maxSourceFiles,
        int maxConcurrent,
        long throttleBytesPerSecond,
        boolean verifyRoundTrip,
        boolean keepFailedWorkDirs,
        long progressIntervalMs,
        int s3Attempts,
        long s3RetryBackoffMs,
        int sessionTimeoutMs) {

    public static final String PREFIX = "vlmesh.convert.";

    public static ConvertSettings from(Config c) {
        return new ConvertSettings(
                opt(c, PREFIX + "instance-id").orElseGet(ConvertSettings::defaultInstanceId),
                opt(c, "vlmesh.namespace").orElse(""),
                req(c, "kafka.bootstrap.servers"),
                Path.of(req(c, PREFIX + "work-dir")),
                positiveLong(c, PREFIX + "max-source-mb") * 1024 * 1024,
                (int) positiveLong(c, PREFIX + "max-source-files"),
                (int) positiveLong(c, PREFIX + "max-concurrent"),
                (long) (Double.parseDouble(req(c, PREFIX + "throttle-mb-per-s")) * 1_000_000),
                Boolean.parseBoolean(req(c, PREFIX + "verify.round-trip")),
                Boolean.parseBoolean(req(c, PREFIX + "keep-failed-work-dirs")),
                positiveLong(c, PREFIX + "progress-interval-ms"),
                (int) positiveLong(c, PREFIX + "s3.attempts"),
                positiveLong(c, PREFIX + "s3.retry-backoff-ms"),
                (int) positiveLong(c, PREFIX + "kafka.session-timeout-ms"));
    }

    private static String defaultInstanceId() {
        String pid = ManagementFactory.getRuntimeMXBean().getName();
        return "convert-" + pid.replaceAll("[^A-Za-z0-9]", "-");
    }

    private static Optional<String> opt(Config c, String key) {
        return c.getOptionalValue(key, String.class).filter(s -> !s.isBlank());
    }

    private static String req(Config c, String key) {
        return opt(c, key).orElseThrow(() -> new IllegalArgumentException("missing configuration " + key));
    }

    private static long positiveLong(Config c, String key) {
        long v = Long.parseLong(req(c, key).trim());
        if (v <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + v);
        }
        return v;
    }
}
