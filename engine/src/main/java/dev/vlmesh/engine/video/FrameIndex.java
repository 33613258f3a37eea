package dev.vlmesh.engine.video;

import java.io.IOException;
import java.util.Arrays;
import org.bytedeco.ffmpeg.avcodec.AVPacket;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_DISCARD;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;

/**
 * The presentation timestamps of a video's frames, in presentation order, learned by reading packets without
 * decoding them (cheap: no pixels), as far as the caller needs.
 *
 * <p>Frame {@code k} of the reference is the k-th decoded frame, and a decoder gives frames in presentation order,
 * one per packet; so frame {@code k} is the packet with the (k+1)-th smallest pts. Packets arrive in decode order,
 * where a later packet may still have a smaller pts (B-frames), so an entry is final only once no later packet can
 * come before it: every packet has {@code pts >= dts} and dts only grows, so after a packet with dts {@code D} every
 * pts below {@code D} has been seen. The decoder checks each frame it produces against this index; a stream that
 * breaks the one-frame-per-packet rule is caught there and decoded sequentially instead.
 */
final class FrameIndex {
    private final Demuxer demuxer;
    private long[] pts = new long[1024];
    private int size;
    private long[] keyPts = new long[64];
    private int keys;
    private long lastDts = Long.MIN_VALUE;
    private boolean eof;
    private boolean usable = true;
    private String unusableReason;
    private final long maxFrames;

    FrameIndex(Demuxer demuxer, long maxFrames) {
        this.demuxer = demuxer;
        this.maxFrames = maxFrames;
    }

    /** False when the stream lacks what seeking needs (timestamps); callers then decode sequentially. */
    boolean usable() {
        return usable;
    }

    String unusableReason() {
        return unusableReason;
    }

    boolean complete() {
        return eof;
    }

    /** Frames known to be final: all of them at the end of the file, else those below the last dts. */
    int finalFrames() {
        if (eof) {
            return size;
        }
        // pts sorted ascending; count those < lastDts
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (pts[mid] < lastDts) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Reads packets until at least {@code frames} frames are final, or to the end of the file. */
    void ensure(long frames, Deadline deadline) throws IOException {
        while (usable && !eof && finalFrames() < frames) {
            readOne(deadline);
        }
    }

    /** Reads every packet. */
    void ensureAll(Deadline deadline) throws IOException {
        while (usable && !eof) {
            readOne(deadline);
        }
    }

    private void readOne(Deadline deadline) throws IOException {
        AVPacket p = demuxer.next(deadline);
        if (p == null) {
            eof = true;
            return;
        }
        if ((p.flags() & AV_PKT_FLAG_DISCARD) != 0) {
            return; // dropped by the decoder (edit lists): not a frame of the reference either
        }
        long t = p.pts();
        long d = p.dts();
        if (t == AV_NOPTS_VALUE() || d == AV_NOPTS_VALUE()) {
            unusable("packets without timestamps");
            return;
        }
        if (d < lastDts) {
            unusable("decode timestamps go backwards");
            return;
        }
        lastDts = d;
        if (size == pts.length) {
            pts = Arrays.copyOf(pts, size * 2);
        }
        // insertion from the end: packets are almost in presentation order
        int i = size;
        while (i > 0 && pts[i - 1] > t) {
            pts[i] = pts[i - 1];
            i--;
        }
        if (i > 0 && pts[i - 1] == t) {
            unusable("two frames share one timestamp");
            return;
        }
        pts[i] = t;
        size++;
        if (size > maxFrames) {
            throw new dev.vlmesh.engine.media.MediaLimitException(
                    dev.vlmesh.engine.media.MediaLimitException.Limit.FRAMES, size, maxFrames,
                    "the video has more than " + maxFrames + " frames, over the limit");
        }
        if ((p.flags() & AV_PKT_FLAG_KEY) != 0) {
            if (keys == keyPts.length) {
                keyPts = Arrays.copyOf(keyPts, keys * 2);
            }
            if (keys > 0 && keyPts[keys - 1] > t) {
                unusable("keyframes out of presentation order");
                return;
            }
            keyPts[keys] = t;
            keys++;
        }
    }

    private void unusable(String reason) {
        usable = false;
        unusableReason = reason;
    }

    /** Frames seen so far (all frames once {@link #complete()}). */
    int size() {
        return size;
    }

    /** pts of frame {@code k} (final only below {@link #finalFrames()}). */
    long pts(int k) {
        return pts[k];
    }

    /** Position of the last keyframe whose pts is at most {@code t}, or -1. */
    int keyframeAtOrBefore(long t) {
        int lo = 0;
        int hi = keys;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (keyPts[mid] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - 1;
    }

    long keyframePts(int k) {
        return keyPts[k];
    }

}
