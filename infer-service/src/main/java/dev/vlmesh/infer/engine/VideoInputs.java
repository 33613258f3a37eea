package dev.vlmesh.infer.engine;

import dev.vlmesh.engine.image.ImageLimits;
import dev.vlmesh.engine.media.MediaException;
import dev.vlmesh.engine.media.MediaLimits;
import dev.vlmesh.engine.video.FfmpegLibrary;
import dev.vlmesh.engine.video.FrameSampler;
import dev.vlmesh.engine.video.VideoDecodeOptions;
import dev.vlmesh.engine.video.VideoDecodeTimeoutException;
import dev.vlmesh.engine.video.VideoReader;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.infer.backend.GenerationInput;
import dev.vlmesh.infer.backend.JobFailure;
import dev.vlmesh.infer.backend.MediaInput;
import dev.vlmesh.infer.cancel.StopSignal;
import dev.vlmesh.infer.config.VideoSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * A job's videos opened for decoding with the worker's own limits and time budget, and every decoding problem turned
 * into a {@link JobFailure} with a stable code: limits → {@code media_too_large}, codec outside the allow list or not
 * a video → {@code unsupported_media}, damaged or self-contradicting files → {@code media_invalid}, over the time
 * budget → {@code video_decode_timeout}.
 */
final class VideoInputs {
    private static final Logger LOG = Logger.getLogger(VideoInputs.class);

    private final VideoSettings settings;
    private final VideoDecodeOptions options;

    VideoInputs(VideoSettings settings) {
        this.settings = settings;
        MediaLimits d = MediaLimits.DEFAULT;
        this.options = new VideoDecodeOptions(new MediaLimits(ImageLimits.DEFAULT.maxFileBytes(),
                ImageLimits.DEFAULT.maxPixels(), Long.MAX_VALUE, settings.maxPixels(), settings.maxSeconds(),
                settings.maxFrames()), settings.decodeBudget(), VideoDecodeOptions.DEFAULT_CODECS, true,
                settings.decoderThreads());
    }

    VideoSettings settings() {
        return settings;
    }

    /** An open video with its temporary file; closing deletes the file. */
    static final class Opened implements AutoCloseable {
        final VideoReader reader;
        private final Path file;

        Opened(VideoReader reader, Path file) {
            this.reader = reader;
            this.file = file;
        }

        @Override
        public void close() {
            reader.close();
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warnf("could not delete %s: %s", file, e.getMessage());
            }
        }
    }

    Opened open(MediaInput media, StopSignal stop) throws JobFailure, InterruptedException {
        try {
            FfmpegLibrary.load(settings.nativesDir());
        } catch (LinkageError e) {
            throw JobFailure.retryable(ErrorCodes.INTERNAL, "FFmpeg's native libraries could not be loaded: " + e, e);
        }
        Path file = media.toFile(settings.tempDir());
        try {
            VideoReader r = VideoReader.open(file, options);
            r.cancelWhen(stop::stopped);
            return new Opened(r, file);
        } catch (Exception e) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // best effort
            }
            throw failure(e);
        }
    }

    /** The requested span as the reference's bound, or null for the whole clip. */
    static FrameSampler.Bound bound(GenerationInput in) {
        if (in.startSeconds() == null && in.endSeconds() == null) {
            return null;
        }
        return new FrameSampler.Bound(in.startSeconds() == null ? 0 : in.startSeconds(),
                in.endSeconds() == null ? 1e9 : in.endSeconds());
    }

    int frames(GenerationInput in) throws JobFailure {
        if (in.numFrames() > settings.maxNumFrames()) {
            throw JobFailure.permanent(ErrorCodes.MEDIA_TOO_LARGE, "the job asks for " + in.numFrames()
                    + " video frames; this worker samples at most " + settings.maxNumFrames());
        }
        return Math.max(1, in.numFrames());
    }

    /** The failure for anything decoding threw. */
    static JobFailure failure(Exception e) {
        if (e instanceof JobFailure f) {
            return f;
        }
        if (e instanceof MediaException m) {
            return JobFailure.permanent(m.code(), m.getMessage());
        }
        if (e instanceof VideoDecodeTimeoutException t) {
            return JobFailure.permanent(ErrorCodes.VIDEO_DECODE_TIMEOUT, t.getMessage());
        }
        if (e instanceof IOException || e instanceof IllegalArgumentException) {
            return JobFailure.permanent(ErrorCodes.MEDIA_INVALID, "the video cannot be decoded: " + e.getMessage());
        }
        return JobFailure.retryable(ErrorCodes.INTERNAL, "video decoding failed: " + e, e);
    }

    static Set<String> codecs() {
        return VideoDecodeOptions.DEFAULT_CODECS;
    }
}
