package dev.vlmesh.engine.video;

/**
 * The reference {@code get_index} frame selection of InternVL's {@code load_video}: {@code numSegments} frames, one
 * at the middle of each equal segment of the (optionally bounded) clip.
 *
 * <pre>
 * start_idx = max(first_idx, round(start * fps))          # Python round: half to even
 * end_idx   = min(round(end * fps), max_frame)
 * seg       = (end_idx - start_idx) / num_segments
 * idx_k     = int(start_idx + seg / 2 + np.round(seg * k))  # np.round: half to even; int truncates
 * </pre>
 *
 * Without bounds the reference uses start = -100000 s and end = 100000 s. All arithmetic is IEEE double in the
 * reference's order, so the indices are identical.
 */
public final class FrameSampler {
    private static final double UNBOUNDED_START = -100000;
    private static final double UNBOUNDED_END = 100000;

    private FrameSampler() {
    }

    /** Optional time bounds of the sampled span, in seconds. */
    public record Bound(double startSeconds, double endSeconds) {
    }

    /**
     * Frame indices for a clip of {@code frameCount} frames at {@code fps}, over the whole clip.
     *
     * @throws IllegalArgumentException when frameCount or numSegments is not positive or fps is not finite
     */
    public static int[] frameIndices(int frameCount, double fps, int numSegments) {
        return frameIndices(null, fps, frameCount - 1, 0, numSegments);
    }

    /** {@code get_index(bound, fps, max_frame, first_idx, num_segments)}; {@code bound} may be null. */
    public static int[] frameIndices(Bound bound, double fps, int maxFrame, int firstIdx, int numSegments) {
        if (numSegments < 1) {
            throw new IllegalArgumentException("numSegments must be at least 1, got " + numSegments);
        }
        if (maxFrame < 0) {
            throw new IllegalArgumentException("the clip has no frames (max_frame " + maxFrame + ")");
        }
        if (!Double.isFinite(fps) || fps <= 0) {
            throw new IllegalArgumentException("fps must be a positive number, got " + fps);
        }
        double start = bound == null ? UNBOUNDED_START : bound.startSeconds();
        double end = bound == null ? UNBOUNDED_END : bound.endSeconds();
        long startIdx = Math.max(firstIdx, (long) Math.rint(start * fps));
        long endIdx = Math.min((long) Math.rint(end * fps), maxFrame);
        double segSize = (double) (endIdx - startIdx) / numSegments;
        int[] out = new int[numSegments];
        for (int k = 0; k < numSegments; k++) {
            double v = (startIdx + segSize / 2) + Math.rint(segSize * k);
            out[k] = (int) v;
        }
        return out;
    }
}
