package dev.vlmesh.ingest.media;

import dev.vlmesh.engine.media.MediaException;
import dev.vlmesh.engine.media.MediaInfo;
import dev.vlmesh.engine.media.MediaKind;
import dev.vlmesh.engine.media.MediaLimits;
import dev.vlmesh.engine.media.MediaProbe;
import dev.vlmesh.engine.media.UnsupportedMediaException;
import dev.vlmesh.ingest.IngestConfig;
import dev.vlmesh.ingest.api.Problems;
import dev.vlmesh.ingest.metrics.IngestMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Validates media files that arrived with a request (already spooled to disk by the HTTP layer): the content probe
 * first (type by magic bytes, size, header limits, completeness), then the SHA-256 that addresses it in the store.
 */
@ApplicationScoped
public class MediaIntake {

    @Inject
    IngestConfig config;

    @Inject
    IngestMetrics metrics;

    private volatile MediaProbe probe;

    public MediaProbe probe() {
        MediaProbe p = probe;
        if (p == null) {
            var l = config.limits();
            p = new MediaProbe(new MediaLimits(l.imageMaxBytes(), l.imageMaxPixels(), l.videoMaxBytes(),
                    l.videoMaxPixels(), l.videoMaxSeconds(), l.videoMaxFrames()));
            probe = p;
        }
        return p;
    }

    public VerifiedMedia verify(Path file, String filename) {
        try {
            MediaInfo info = checkCodec(probe().probe(file));
            return new VerifiedMedia(info, Sha256.of(file), file, filename);
        } catch (MediaException e) {
            throw Problems.media(e, filename);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the uploaded file " + file, e);
        }
    }

    /**
     * Refuses a video whose container declares a codec the workers do not decode, here rather than as a failed job
     * later. (A file whose stream holds another codec than its header declares is only seen when FFmpeg opens it:
     * the worker fails that job with a reason.)
     */
    public MediaInfo checkCodec(MediaInfo info) throws UnsupportedMediaException {
        if (info.kind() == MediaKind.VIDEO && info.codec() != null) {
            List<String> allowed = config.limits().videoCodecs();
            if (!allowed.contains(info.codec())) {
                throw new UnsupportedMediaException("unsupported media: the video codec is " + info.codec()
                        + "; vlmesh decodes " + String.join(", ", allowed), info.format().name().toLowerCase());
            }
        }
        return info;
    }

    public static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
