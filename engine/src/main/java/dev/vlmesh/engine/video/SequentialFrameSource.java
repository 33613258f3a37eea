package dev.vlmesh.engine.video;

import dev.vlmesh.engine.media.MalformedMediaException;
import java.io.IOException;
import org.bytedeco.ffmpeg.avutil.AVFrame;

import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;

/**
 * Frames by index the way the reference finds them: decode from the start and count every frame the decoder gives.
 * Used when the container's timestamps cannot locate frames. Going back means decoding from the start again (a new
 * decoder from {@code opener}).
 */
final class SequentialFrameSource implements FrameSource {
    /** Opens a fresh decoder at the start of the file. */
    interface Opener {
        FrameDecoder open() throws IOException;
    }

    private final Opener opener;
    private final boolean rotate;
    private final double fps;
    private final long maxFrames;
    private FrameDecoder decoder;
    private AVFrame current;
    private int currentIndex = -1;
    private int knownCount = -1;
    private VideoFrame last;
    private long decodedBefore;
    private long passes;

    SequentialFrameSource(Opener opener, boolean rotate, double fps, long maxFrames) {
        this.opener = opener;
        this.rotate = rotate;
        this.fps = fps;
        this.maxFrames = maxFrames;
    }

    /** Moves to frame {@code idx}; false at the end of the clip (the count is then known). */
    private boolean advanceTo(int idx, Deadline deadline) throws IOException {
        if (decoder == null || idx < currentIndex) {
            if (decoder != null) {
                decodedBefore += decoder.framesDecoded();
                decoder.close();
            }
            decoder = opener.open();
            passes++;
            current = null;
            currentIndex = -1;
        }
        while (currentIndex < idx) {
            AVFrame f = decoder.next(deadline);
            if (f == null) {
                knownCount = currentIndex + 1;
                if (knownCount == 0) {
                    throw new MalformedMediaException("corrupt video: not a single frame decodes");
                }
                current = null;
                return false;
            }
            current = f;
            currentIndex++;
            if (currentIndex >= maxFrames) {
                throw new dev.vlmesh.engine.media.MediaLimitException(
                        dev.vlmesh.engine.media.MediaLimitException.Limit.FRAMES, currentIndex + 1, maxFrames,
                        "the video has more than " + maxFrames + " frames, over the limit");
            }
        }
        return true;
    }

    @Override
    public int clampIndex(int wanted, Deadline deadline) {
        return knownCount >= 0 && wanted >= knownCount ? knownCount - 1 : wanted;
    }

    @Override
    public int frameCount(Deadline deadline) throws IOException {
        if (knownCount < 0) {
            advanceTo(Integer.MAX_VALUE - 1, deadline);
        }
        return knownCount;
    }

    @Override
    public VideoFrame frame(int idx, Deadline deadline) throws IOException {
        if (last != null && last.index() == idx) {
            return last;
        }
        if (knownCount >= 0 && idx >= knownCount) {
            throw new PastEndException(knownCount);
        }
        if (!advanceTo(idx, deadline)) {
            throw new PastEndException(knownCount);
        }
        if (FrameDecoder.damaged(current)) {
            throw new MalformedMediaException("corrupt video: frame " + idx + " decodes with errors");
        }
        long p = FrameDecoder.pts(current);
        double t = p == AV_NOPTS_VALUE() ? idx / fps : decoder.seconds(p);
        last = new VideoFrame(idx, t, decoder.rgb(current, rotate));
        return last;
    }

    @Override
    public String mode() {
        return "sequential";
    }

    @Override
    public long framesDecoded() {
        return decodedBefore + (decoder == null ? 0 : decoder.framesDecoded());
    }

    @Override
    public long seeks() {
        return Math.max(0, passes - 1);
    }

    @Override
    public void close() {
        if (decoder != null) {
            decoder.close();
        }
    }
}
