package dev.vlmesh.engine.video;

import java.util.List;

/**
 * One time window of a video in segment mode, with the frames sampled from it.
 *
 * @param segment      0, 1, 2 … in time order
 * @param startSeconds window start (inclusive)
 * @param endSeconds   window end; the last window ends at the end of the clip (or the requested end)
 * @param frames       the reference {@code get_index} frames of the window, in order (repeats when the window has
 *                     fewer frames than asked for, as the reference repeats them)
 */
public record VideoWindow(int segment, double startSeconds, double endSeconds, List<VideoFrame> frames) {
    public VideoWindow {
        frames = List.copyOf(frames);
    }
}
