package dev.vlmesh.engine.video;

import dev.vlmesh.engine.image.RgbImage;
import java.io.IOException;
import org.bytedeco.ffmpeg.avutil.AVFrame;

import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;

/**
 * Frames by index through a {@link FrameIndex}: the index gives the frame's pts; when a keyframe lies between the
 * decoder's position and that pts the decoder seeks to it, otherwise it decodes forward. Frames before the target
 * are decoded (they are references) but not converted. Every frame the decoder produces is checked against the
 * index; any disagreement raises {@link IndexMismatchException} and the reader decodes sequentially instead.
 */
final class SeekingFrameSource implements FrameSource {
    private final FrameIndex index;
    private final FrameDecoder decoder;
    private final boolean rotate;
    private long decodedPts = Long.MIN_VALUE;
    private boolean started;
    private VideoFrame last;

    SeekingFrameSource(FrameIndex index, FrameDecoder decoder, boolean rotate) {
        this.index = index;
        this.decoder = decoder;
        this.rotate = rotate;
    }

    private void requireUsable() throws IndexMismatchException {
        if (!index.usable()) {
            throw new IndexMismatchException("the container's timestamps cannot locate frames: "
                    + index.unusableReason());
        }
    }

    @Override
    public int clampIndex(int wanted, Deadline deadline) throws IOException {
        index.ensure((long) wanted + 1, deadline);
        requireUsable();
        int known = index.finalFrames();
        return known > wanted ? wanted : known - 1;
    }

    @Override
    public int frameCount(Deadline deadline) throws IOException {
        index.ensureAll(deadline);
        requireUsable();
        return index.size();
    }

    @Override
    public VideoFrame frame(int idx, Deadline deadline) throws IOException {
        if (last != null && last.index() == idx) {
            return last;
        }
        index.ensure((long) idx + 1, deadline);
        requireUsable();
        if (idx >= index.finalFrames()) {
            throw new PastEndException(index.size());
        }
        long target = index.pts(idx);
        int key = index.keyframeAtOrBefore(target);
        if (key < 0) {
            throw new IndexMismatchException("no keyframe before frame " + idx);
        }
        boolean seeked = false;
        if (started ? (target <= decodedPts || index.keyframePts(key) > decodedPts) : key > 0) {
            seekTo(key, deadline);
            seeked = true;
        }
        started = true;
        int retries = 0;
        while (true) {
            AVFrame f = decoder.next(deadline);
            if (f == null) {
                throw new IndexMismatchException("the decoder ended before frame " + idx + " (pts " + target + ")");
            }
            long p = FrameDecoder.pts(f);
            if (p == AV_NOPTS_VALUE()) {
                throw new IndexMismatchException("a decoded frame has no timestamp");
            }
            if (seeked && decodedPts == Long.MIN_VALUE && p > target) {
                // the demuxer's seek compares other timestamps than ours (dts, edit lists): start a keyframe earlier
                if (key == 0 || ++retries > 3) {
                    throw new IndexMismatchException("seeking landed after frame " + idx);
                }
                seekTo(--key, deadline);
                continue;
            }
            decodedPts = p;
            if (p == target) {
                if (FrameDecoder.damaged(f)) {
                    throw new dev.vlmesh.engine.media.MalformedMediaException("corrupt video: frame " + idx
                            + " (at " + String.format(java.util.Locale.ROOT, "%.3f", decoder.seconds(p))
                            + " s) decodes with errors");
                }
                RgbImage image = decoder.rgb(f, rotate);
                last = new VideoFrame(idx, decoder.seconds(p), image);
                return last;
            }
            if (p > target) {
                throw new IndexMismatchException("frame " + idx + " (pts " + target + ") never came out of the "
                        + "decoder (next pts " + p + ")");
            }
        }
    }

    /** Seeks to keyframe {@code key} by its pts (what MP4 and Matroska seeking compare with, after edit lists). */
    private void seekTo(int key, Deadline deadline) throws IOException {
        decoder.seek(index.keyframePts(key), deadline);
        decodedPts = Long.MIN_VALUE;
    }

    @Override
    public String mode() {
        return "seek";
    }

    @Override
    public long framesDecoded() {
        return decoder.framesDecoded();
    }

    @Override
    public long seeks() {
        return decoder.seeks();
    }

    @Override
    public void close() {
        decoder.close();
    }
}
