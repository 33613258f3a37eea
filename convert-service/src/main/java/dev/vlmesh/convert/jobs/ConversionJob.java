package dev.vlmesh.convert.jobs;

import dev.vlmesh.convert.config.ConvertSettings;
import dev.vlmesh.convert.store.SourceDownloader;
import dev.vlmesh.convert.store.VersionUploader;
import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.convert.ConversionException;
import dev.vlmesh.engine.convert.ConversionException.Reason;
import dev.vlmesh.engine.convert.HfToMm;
import dev.vlmesh.engine.convert.Manifest;
import dev.vlmesh.engine.convert.ParallelSpec;
import dev.vlmesh.engine.convert.SourceCheckpoint;
import dev.vlmesh.engine.convert.SourceDigest;
import dev.vlmesh.engine.convert.Verifier;
import dev.vlmesh.events.CheckpointFailed;
import dev.vlmesh.events.CheckpointReady;
import dev.vlmesh.events.CheckpointRefreshRequested;
import dev.vlmesh.events.ConversionProgress;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.ParallelConfig;
import dev.vlmesh.events.StoreLayout;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.jboss.logging.Logger;

/**
 * One refresh, start to finish: download the source (hashing it on the way), derive the version from its digest and
 * the parallel config (an existing version is announced again without converting), convert, verify, upload with the
 * manifest last, announce. Progress events follow each phase. A refusal or failure becomes {@link CheckpointFailed}
 * with a stable code and a reason that names the object-store location, not local paths. An interrupted job (the
 * service stopping) publishes nothing: its request is not committed and resumes from the work folder on restart.
 */
public final class ConversionJob {
    private static final Logger LOG = Logger.getLogger(ConversionJob.class);
    public static final String LAYOUT = Manifest.LAYOUT;

    private final ConvertSettings settings;
    private final StoreLayout layout;
    private final SourceDownloader downloader;
    private final VersionUploader uploader;
    private final EventPublisher events;
    private final MeterRegistry metrics;

    public ConversionJob(ConvertSettings settings, StoreLayout layout, SourceDownloader downloader,
                         VersionUploader uploader, EventPublisher events, MeterRegistry metrics) {
        this.settings = settings;
        this.layout = layout;
        this.downloader = downloader;
        this.uploader = uploader;
        this.events = events;
        this.metrics = metrics;
    }

    public void run(CheckpointRefreshRequested req) throws InterruptedException {
        String id = req.conversionId();
        String model = req.modelName();
        Path work = settings.workDir().resolve(safeId(id));
        String where = "s3://" + (req.sourceBucket() == null ? layout.checkpointBucket() : req.sourceBucket()) + "/"
                + (req.sourcePrefix() == null ? "sources/" + model + "/" : req.sourcePrefix());
        Progress progress = new Progress(id, model);
        long t0 = System.nanoTime();
        try {
            RefreshPlan plan = RefreshPlan.of(model, req.sourceBucket(), req.sourcePrefix(), req.parallel(),
                    req.outputFormat(), layout);
            where = "s3://" + plan.sourceBucket() + "/" + plan.sourcePrefix();
            progress.phase("downloading", 0, 0, 0, 0);
            SourceDownloader.Listing listing = downloader.list(plan.sourceBucket(), plan.sourcePrefix());
            checkDiskSpace(work, listing.totalBytes());
            Path src = work.resolve("source");
            SourceDigest digest = downloader.download(plan.sourceBucket(), plan.sourcePrefix(), listing, src,
                    work.resolve("source-hashes"), b -> progress.tick("downloading", 0, 0, b, listing.totalBytes()));
            ModelConfig config = SourceCheckpoint.readConfig(src);
            ParallelSpec spec = plan.parallel() == null || plan.parallel().llmPpLayers().isEmpty()
                    ? new ParallelSpec(plan.parallel() == null ? 1 : plan.parallel().tp(),
                    ParallelSpec.single(config).llmPpLayers(), ParallelSpec.single(config).vitPpLayers())
                    : new ParallelSpec(plan.parallel().tp(), plan.parallel().llmPpLayers(),
                    plan.parallel().vitPpLayers());
            spec.validate(config);
            ParallelConfig parallel = new ParallelConfig(spec.tp(), spec.llmPpLayers(), spec.vitPpLayers());
            String version = VersionIds.of(digest.digest(), spec, plan.outputFormat());
            String manifestKey = StoreLayout.manifestKey(model, version);
            String bucket = layout.checkpointBucket();
            if (uploader.manifestExists(bucket, manifestKey)) {
                LOG.infof("conversion %s: %s version %s already exists (same source and config)", id, model, version);
                events.publish(CheckpointReady.of(id, model, version, bucket, manifestKey, LAYOUT, parallel,
                        digest.digest()));
                cleanUp(work);
                metrics.counter("vlmesh.convert.conversions", "outcome", "reused").increment();
                return;
            }
            Path mm = work.resolve("mm");
            HfToMm.Result result = HfToMm.convert(src, mm, HfToMm.Options.of(spec)
                    .withTorchFormat(plan.outputFormat().equals("torch")).withSourceDigest(digest)
                    .withThrottle(settings.throttleBytesPerSecond())
                    .withProgress((phase, sd, st, bd, bt) -> progress.tick("converting", sd, st, bd, bt)));
            progress.phase("verifying", 0, 0, 0, 0);
            Verifier.Report report = Verifier.verify(mm, src, settings.verifyRoundTrip(), work, digest);
            if (!report.ok()) {
                throw new ConversionException(Reason.VERIFICATION_FAILED, "the converted checkpoint does not match "
                        + "its source: " + String.join("; ", report.problems()));
            }
            long total = result.manifest().files().stream().mapToLong(f -> f.size()).sum();
            progress.phase("uploading", 0, 0, 0, total);
            uploader.upload(mm, result.manifest(), bucket, StoreLayout.modelVersionPrefix(model, version),
                    b -> progress.tick("uploading", 0, 0, b, total));
            events.publish(CheckpointReady.of(id, model, version, bucket, manifestKey, LAYOUT, parallel,
                    digest.digest()));
            metrics.counter("vlmesh.convert.conversions", "outcome", "ready").increment();
            metrics.counter("vlmesh.convert.shards.reused").increment(result.shardsSkipped());
            metrics.counter("vlmesh.convert.bytes").increment(result.bytesWritten());
            LOG.infof("conversion %s: %s version %s ready in %.1f s (%s; %d shards written, %d kept from an "
                    + "interrupted run)", id, model, version, (System.nanoTime() - t0) / 1e9, spec.canonical(),
                    result.shardsWritten(), result.shardsSkipped());
            cleanUp(work);
        } catch (ConversionException e) {
            if (interrupted(e)) {
                throw new InterruptedException("conversion " + id + " interrupted");
            }
            fail(id, model, e.reason().code(), describe(e.getMessage(), work, where), work);
        } catch (InterruptedException | InterruptedIOException e) {
            throw new InterruptedException("conversion " + id + " interrupted");
        } catch (Exception e) {
            if (interrupted(e)) {
                throw new InterruptedException("conversion " + id + " interrupted");
            }
            LOG.errorf(e, "conversion %s failed", id);
            fail(id, model, ErrorCodes.INTERNAL, describe(String.valueOf(e.getMessage()), work, where), work);
        }
    }

    private void fail(String id, String model, String code, String reason, Path work) throws InterruptedException {
        LOG.warnf("conversion %s of %s failed: %s: %s", id, model, code, reason);
        events.publish(CheckpointFailed.of(id, model, code, reason));
        metrics.counter("vlmesh.convert.conversions", "outcome", "failed", "code", code).increment();
        if (!settings.keepFailedWorkDirs()) {
            cleanUp(work);
        }
    }

    /** Local paths mean nothing to the operator: name the object-store location instead. */
    static String describe(String message, Path work, String where) {
        String base = where.endsWith("/") ? where.substring(0, where.length() - 1) : where;
        return message.replace(work.resolve("source").toAbsolutePath() + "/", where)
                .replace(work.resolve("source").toAbsolutePath().toString(), base)
                .replace(work.resolve("source") + "/", where)
                .replace(work.resolve("source").toString(), base)
                .replace(work.toAbsolutePath().toString(), "(work dir)")
                .replace(work.toString(), "(work dir)");
    }

    private static boolean interrupted(Throwable e) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedIOException || t instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    private void checkDiskSpace(Path work, long sourceBytes) throws IOException {
        Files.createDirectories(work);
        long free = Files.getFileStore(work).getUsableSpace();
        long need = sourceBytes * 2 + (64L << 20); // source + converted copy (+ a torch copy is not counted)
        long already;
        try (var walk = Files.walk(work)) {
            already = walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        long have = free + already; // a resumed conversion has part of it on disk already
        if (have < need) {
            throw new IOException("not enough disk space in the work folder " + settings.workDir() + ": "
                    + (need >> 20) + " MiB needed, " + (free >> 20) + " MiB free");
        }
    }

    static String safeId(String id) {
        return StoreLayout.safe(id, "conversion id");
    }

    private static void cleanUp(Path work) {
        if (!Files.exists(work)) {
            return;
        }
        try (var walk = Files.walk(work)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warnf("could not remove %s: %s", work, e.getMessage());
        }
    }

    /** Progress events: every phase change, and within a phase at most one per interval. */
    private final class Progress {
        private final String id;
        private final String model;
        private String phase = "";
        private long last;

        Progress(String id, String model) {
            this.id = id;
            this.model = model;
        }

        void phase(String p, int sd, int st, long bd, long bt) {
            phase = p;
            last = System.nanoTime();
            events.publishLater(ConversionProgress.of(id, model, p, sd, st, bd, bt));
        }

        void tick(String p, int sd, int st, long bd, long bt) {
            long now = System.nanoTime();
            if (!p.equals(phase) || now - last >= settings.progressIntervalMs() * 1_000_000L) {
                phase = p;
                last = now;
                events.publishLater(ConversionProgress.of(id, model, p, sd, st, bd, bt));
            }
        }
    }
}
