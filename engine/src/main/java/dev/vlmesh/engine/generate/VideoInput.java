package dev.vlmesh.engine.generate;

import dev.vlmesh.engine.video.FrameSampler;
import dev.vlmesh.engine.video.VideoDecodeOptions;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A video file to be sampled as the reference {@code load_video} does: {@code segments} frames, one from the middle
 * of each equal segment of the clip (or of {@code bound}), each a single tile.
 *
 * @param bound   optional time span in seconds; null = the whole clip
 * @param decode  limits, time budget and allowed codecs for decoding
 */
public record VideoInput(Path file, int segments, FrameSampler.Bound bound, VideoDecodeOptions decode) {

    /** Frames per video the model card uses. */
    public static final int DEFAULT_SEGMENTS = 8;

    public VideoInput {
        Objects.requireNonNull(file, "file");
        if (segments < 1 || segments > 64) {
            throw new IllegalArgumentException("video segments must be in 1..64, got " + segments);
        }
        if (decode == null) {
            decode = VideoDecodeOptions.DEFAULT;
        }
    }

    public static VideoInput of(Path file, int segments) {
        return new VideoInput(file, segments, null, VideoDecodeOptions.DEFAULT);
    }
}
