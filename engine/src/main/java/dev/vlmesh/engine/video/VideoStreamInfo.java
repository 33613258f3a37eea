package dev.vlmesh.engine.video;

/**
 * What FFmpeg reports about the video stream it will decode.
 *
 * @param codec            FFmpeg's codec name for the stream (h264, hevc, vp8, vp9, av1, …)
 * @param width            coded frame width in pixels
 * @param height           coded frame height
 * @param fps              {@code avg_frame_rate} as a double (the reference's {@code average_rate}); falls back to
 *                         the stream's real base rate when the container gives no average
 * @param durationSeconds  stream (or container) duration, NaN when unknown
 * @param headerFrames     frame count the container declares, 0 when it does not say
 * @param rotationDegrees  clockwise rotation the display matrix asks for: 0, 90, 180 or 270
 */
public record VideoStreamInfo(String codec, int width, int height, double fps, double durationSeconds,
                              long headerFrames, int rotationDegrees) {

    /** Width of the frames handed out (after rotation, when applied). */
    public int displayWidth(boolean rotated) {
        return rotated && (rotationDegrees == 90 || rotationDegrees == 270) ? height : width;
    }

    public int displayHeight(boolean rotated) {
        return rotated && (rotationDegrees == 90 || rotationDegrees == 270) ? width : height;
    }
}
