package dev.vlmesh.engine.video;

import java.io.IOException;

/** Frames by reference index, asked for in ascending order. */
interface FrameSource extends AutoCloseable {

    /**
     * The largest valid index up to {@code wanted}: {@code wanted} itself when the clip has a frame {@code wanted},
     * else the clip's last index (−1 for no frames) when that is known, else {@code wanted} (optimistically, for
     * sources that only learn the end by decoding to it: {@link #frame} then throws {@link PastEndException}).
     */
    int clampIndex(int wanted, Deadline deadline) throws IOException;

    /** Number of frames in the clip (may read or decode the whole clip). */
    int frameCount(Deadline deadline) throws IOException;

    /** Frame {@code index}; calls come in ascending order (a repeat returns the same frame). */
    VideoFrame frame(int index, Deadline deadline) throws IOException;

    String mode();

    long framesDecoded();

    long seeks();

    @Override
    void close();

    /** The index is past the clip's last frame, which is now known. */
    final class PastEndException extends IOException {
        final int frameCount;

        PastEndException(int frameCount) {
            super("the clip has only " + frameCount + " frames");
            this.frameCount = frameCount;
        }
    }

    /** The container's timestamps do not describe the decoded frames: decode sequentially instead. */
    final class IndexMismatchException extends IOException {
        IndexMismatchException(String message) {
            super(message);
        }
    }
}
