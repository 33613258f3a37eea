package dev.vlmesh.engine.video;

import dev.vlmesh.engine.media.MediaLimits;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How a video may be decoded.
 *
 * @param limits        size, pixel, duration and frame limits, checked from the container header before decoding
 *                      (and the frame count again from FFmpeg's own view of the stream)
 * @param budget        wall-clock time one reader may spend working (opening, indexing and decoding together; the
 *                      time between its calls does not count); past it the reader fails with
 *                      {@link VideoDecodeTimeoutException}
 * @param codecs        codecs accepted (FFmpeg names); anything else is refused as unsupported before decoding —
 *                      FFmpeg could decode far more, but every decoder is attack surface
 * @param applyRotation turn frames upright when the container carries a display matrix (the reference, decord,
 *                      ignores it; players and the model's training data show frames upright)
 * @param threads       decoder threads (1 = the reference's {@code thread_type='NONE'}; output is identical
 *                      either way)
 */
public record VideoDecodeOptions(MediaLimits limits, Duration budget, Set<String> codecs, boolean applyRotation,
                                 int threads) {

    /** H.264, H.265, VP8, VP9 and AV1. */
    public static final Set<String> DEFAULT_CODECS = Set.of("h264", "hevc", "vp8", "vp9", "av1");

    public static final VideoDecodeOptions DEFAULT = new VideoDecodeOptions(MediaLimits.DEFAULT,
            Duration.ofMinutes(5), DEFAULT_CODECS, true, 1);

    public VideoDecodeOptions {
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(budget, "budget");
        codecs = Set.copyOf(codecs);
        if (budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException("the decode budget must be positive");
        }
        if (threads < 1 || threads > 16) {
            throw new IllegalArgumentException("decoder threads must be in 1..16, got " + threads);
        }
    }

    public VideoDecodeOptions withBudget(Duration b) {
        return new VideoDecodeOptions(limits, b, codecs, applyRotation, threads);
    }

    public VideoDecodeOptions withLimits(MediaLimits l) {
        return new VideoDecodeOptions(l, budget, codecs, applyRotation, threads);
    }

    public VideoDecodeOptions withCodecs(Set<String> c) {
        return new VideoDecodeOptions(limits, budget, c, applyRotation, threads);
    }

    public VideoDecodeOptions withRotation(boolean apply) {
        return new VideoDecodeOptions(limits, budget, codecs, apply, threads);
    }
}
