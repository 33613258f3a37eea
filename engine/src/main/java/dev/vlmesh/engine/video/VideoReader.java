package dev.vlmesh.engine.video;

import dev.vlmesh.engine.media.MalformedMediaException;
import dev.vlmesh.engine.media.MediaInfo;
import dev.vlmesh.engine.media.MediaKind;
import dev.vlmesh.engine.media.MediaLimitException;
import dev.vlmesh.engine.media.MediaProbe;
import dev.vlmesh.engine.media.UnsupportedMediaException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.bytedeco.ffmpeg.avformat.AVStream;

import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;

/**
 * Sampled frames of one video file, as InternVL's {@code load_video} picks them, decoded through FFmpeg.
 *
 * <pre>{@code
 * try (VideoReader video = VideoReader.open(Path.of("clip.mp4"), VideoDecodeOptions.DEFAULT)) {
 *     List<VideoFrame> frames = video.sample(8, null);        // whole clip, 8 segments
 *     VideoReader.Windows w = video.windows(10.0, 4, null);   // segment mode: 10 s windows, 4 frames each
 *     for (VideoWindow win; (win = w.next()) != null; ) { ... }
 * }
 * }</pre>
 *
 * <p>Order of checks, cheapest first: the container header is probed by our own parser with the configured
 * limits (size, pixels, duration, frame count) before FFmpeg sees the file; then FFmpeg opens it with the sniffed
 * format forced; the codec must be on the allow list and agree with the header; FFmpeg's view of size, duration
 * and frame count is checked against the limits again. Only then is anything decoded.
 *
 * <p>Frame numbers are the reference's: the k-th decoded frame in presentation order. The reader finds frame k by
 * timestamps (a packet scan without decoding) and seeks to the keyframe before it when that skips work, so a
 * 10-minute clip decodes a few GOPs per sampled frame rather than every frame; when the container's timestamps
 * cannot be trusted it decodes from the start and counts, as the reference does. Both give the same frames
 * ({@code VideoReaderTest}). All work runs under one time budget ({@link VideoDecodeTimeoutException}), counted
 * only while the reader works, not between calls (segment mode describes a window before asking for the next); damaged
 * data is a {@link MalformedMediaException}, a codec we do not decode an {@link UnsupportedMediaException}.
 *
 * <p>Not thread-safe; one reader per job. Memory: the packet index (8 bytes per frame) and the frames handed out.
 */
public final class VideoReader implements AutoCloseable {
    private final Path file;
    private final MediaInfo header;
    private final VideoDecodeOptions options;
    private final Deadline deadline;
    private final VideoStreamInfo info;
    private FrameSource source;
    private BooleanSupplier cancelled = () -> false;
    private boolean fellBack;
    private String fallbackReason;
    private long decodedBeforeFallback;

    private VideoReader(Path file, MediaInfo header, VideoDecodeOptions options, Deadline deadline,
                        VideoStreamInfo info, FrameSource source) {
        this.file = file;
        this.header = header;
        this.options = options;
        this.deadline = deadline;
        this.info = info;
        this.source = source;
    }

    /**
     * Opens and checks a video file. Nothing is decoded yet.
     *
     * @throws MediaLimitException          over a limit (from the header, or FFmpeg's view of the stream)
     * @throws UnsupportedMediaException    not a video, or a codec outside {@link VideoDecodeOptions#codecs()}
     * @throws MalformedMediaException      truncated, corrupt, or the header and the stream disagree
     * @throws VideoDecodeTimeoutException  opening alone took the whole budget
     */
    public static VideoReader open(Path file, VideoDecodeOptions options) throws IOException {
        return open(file, options, System::nanoTime);
    }

    /** {@link #open(Path, VideoDecodeOptions)} with the budget measured on {@code clock} (tests). */
    static VideoReader open(Path file, VideoDecodeOptions options, LongSupplier clock) throws IOException {
        Deadline deadline = new Deadline(options.budget(), clock);
        MediaInfo header = new MediaProbe(options.limits()).probe(file);
        if (header.kind() != MediaKind.VIDEO) {
            throw new UnsupportedMediaException("unsupported media: a " + header.format().wireName()
                    + " image is not a video", null);
        }
        Demuxer demuxer = new Demuxer(file, header.format(), deadline);
        VideoStreamInfo info;
        try {
            info = streamInfo(demuxer.stream(), demuxer);
            check(header, info, options);
        } catch (IOException | RuntimeException e) {
            demuxer.close();
            throw e;
        }
        FrameSource source;
        try {
            FrameDecoder decoder = new FrameDecoder(demuxer, options.threads(), info.rotationDegrees());
            Demuxer scan;
            try {
                scan = new Demuxer(file, header.format(), deadline);
            } catch (IOException | RuntimeException e) {
                decoder.close();
                throw e;
            }
            source = new IndexedSource(new FrameIndex(scan, options.limits().maxVideoFrames()), scan, decoder,
                    options.applyRotation());
        } catch (IOException | RuntimeException e) {
            demuxer.close();
            throw e;
        }
        deadline.pause(); // the time between calls is the caller's, not decoding
        return new VideoReader(file, header, options, deadline, info, source);
    }

    /** A {@link SeekingFrameSource} that also closes its scanning demuxer. */
    private static final class IndexedSource implements FrameSource {
        private final SeekingFrameSource inner;
        private final Demuxer scan;

        IndexedSource(FrameIndex index, Demuxer scan, FrameDecoder decoder, boolean rotate) {
            this.inner = new SeekingFrameSource(index, decoder, rotate);
            this.scan = scan;
        }

        @Override
        public int clampIndex(int wanted, Deadline d) throws IOException {
            return inner.clampIndex(wanted, d);
        }

        @Override
        public int frameCount(Deadline d) throws IOException {
            return inner.frameCount(d);
        }

        @Override
        public VideoFrame frame(int index, Deadline d) throws IOException {
            return inner.frame(index, d);
        }

        @Override
        public String mode() {
            return inner.mode();
        }

        @Override
        public long framesDecoded() {
            return inner.framesDecoded();
        }

        @Override
        public long seeks() {
            return inner.seeks();
        }

        @Override
        public void close() {
            inner.close();
            scan.close();
        }
    }

    private static VideoStreamInfo streamInfo(AVStream st, Demuxer demuxer) throws IOException {
        var par = st.codecpar();
        String codec = avcodec_get_name(par.codec_id()).getString();
        double fps = rate(st.avg_frame_rate());
        if (!(fps > 0)) {
            fps = rate(st.r_frame_rate());
        }
        if (!(fps > 0) || !Double.isFinite(fps) || fps > 1000) {
            throw new MalformedMediaException("corrupt video: the stream has no usable frame rate");
        }
        double duration = Double.NaN;
        var tb = st.time_base();
        if (st.duration() != AV_NOPTS_VALUE() && tb.den() != 0) {
            duration = st.duration() * (double) tb.num() / tb.den();
        } else if (demuxer.context().duration() != AV_NOPTS_VALUE()) {
            duration = demuxer.context().duration() / (double) AV_TIME_BASE;
        }
        return new VideoStreamInfo(codec, par.width(), par.height(), fps, duration, Math.max(0, st.nb_frames()),
                Rotation.of(par));
    }

    private static double rate(org.bytedeco.ffmpeg.avutil.AVRational r) {
        return r.den() == 0 ? 0 : (double) r.num() / r.den();
    }

    private static void check(MediaInfo header, VideoStreamInfo info, VideoDecodeOptions options) throws IOException {
        if (!options.codecs().contains(info.codec())) {
            throw new UnsupportedMediaException("unsupported media: the video codec is " + info.codec()
                    + "; vlmesh decodes " + String.join(", ", options.codecs().stream().sorted().toList()), null);
        }
        if (header.codec() != null && !header.codec().equals(info.codec())) {
            throw new MalformedMediaException("corrupt video: the container header declares " + header.codec()
                    + " but FFmpeg reads the stream as " + info.codec());
        }
        if (info.width() < 1 || info.height() < 1) {
            throw new MalformedMediaException("corrupt video: the stream declares a frame size of " + info.width()
                    + "x" + info.height());
        }
        var limits = options.limits();
        long pixels = (long) info.width() * info.height();
        if (pixels > limits.maxVideoPixels()) {
            throw new MediaLimitException(MediaLimitException.Limit.PIXELS, pixels, limits.maxVideoPixels(),
                    "the video's frames are " + info.width() + "x" + info.height() + ", over the limit of "
                            + limits.maxVideoPixels() + " pixels");
        }
        if (info.durationSeconds() > limits.maxVideoSeconds()) {
            throw new MediaLimitException(MediaLimitException.Limit.DURATION, info.durationSeconds(),
                    limits.maxVideoSeconds(), String.format(Locale.ROOT, "the video lasts %.1f s, over the limit "
                            + "of %.1f s", info.durationSeconds(), limits.maxVideoSeconds()));
        }
        if (info.headerFrames() > limits.maxVideoFrames()) {
            throw new MediaLimitException(MediaLimitException.Limit.FRAMES, info.headerFrames(),
                    limits.maxVideoFrames(), "the video has " + info.headerFrames() + " frames, over the limit of "
                            + limits.maxVideoFrames());
        }
    }

    /** Stops the reader between packets: the next call throws {@link CancellationException}. */
    public void cancelWhen(BooleanSupplier cancelled) {
        this.cancelled = cancelled;
    }

    public VideoStreamInfo info() {
        return info;
    }

    /** The container header as our own probe read it (format, codec, declared duration and frames). */
    public MediaInfo header() {
        return header;
    }

    /** Number of frames (the reference's {@code len(vr)}); reads the packet index of the whole file. */
    public int frameCount() throws IOException {
        return withFallback(() -> source.frameCount(deadline));
    }

    /**
     * The reference {@code load_video} frames: {@code get_index(bound, fps, max_frame, 0, numSegments)} over the
     * whole clip, in order.
     *
     * @param bound optional start/end in seconds, null for the whole clip
     */
    public List<VideoFrame> sample(int numSegments, FrameSampler.Bound bound) throws IOException {
        if (numSegments < 1) {
            throw new IllegalArgumentException("numSegments must be at least 1, got " + numSegments);
        }
        int count = frameCount();
        int[] idx = FrameSampler.frameIndices(bound, info.fps(), count - 1, 0, numSegments);
        return frames(idx);
    }

    /** Frames by reference index, in the order given (repeats allowed). */
    public List<VideoFrame> frames(int[] indices) throws IOException {
        return withFallback(() -> {
            int[] sorted = Arrays.stream(indices).distinct().sorted().toArray();
            Map<Integer, VideoFrame> got = new TreeMap<>();
            for (int i : sorted) {
                if (i < 0) {
                    throw new IllegalArgumentException("negative frame index " + i);
                }
                checkCancel();
                got.put(i, source.frame(i, deadline));
            }
            List<VideoFrame> out = new ArrayList<>(indices.length);
            for (int i : indices) {
                out.add(got.get(i));
            }
            return out;
        });
    }

    /**
     * Segment mode: the clip cut into windows of {@code segmentSeconds}, each sampled like a bounded reference call
     * ({@code get_index(bound=(start, end), …, framesPerWindow)}), decoded only when {@link Windows#next()} asks for
     * it. The first window costs the same whatever the clip's length.
     *
     * @param bound optional overall start/end in seconds
     */
    public Windows windows(double segmentSeconds, int framesPerWindow, FrameSampler.Bound bound) {
        if (!(segmentSeconds > 0) || !Double.isFinite(segmentSeconds)) {
            throw new IllegalArgumentException("segmentSeconds must be a positive number, got " + segmentSeconds);
        }
        if (framesPerWindow < 1) {
            throw new IllegalArgumentException("framesPerWindow must be at least 1, got " + framesPerWindow);
        }
        return new Windows(segmentSeconds, framesPerWindow, bound);
    }

    /** The windows of one segment-mode pass, in time order. */
    public final class Windows {
        private final double length;
        private final int frames;
        private final double start;
        private final double end;
        private int next;
        private boolean done;

        private Windows(double length, int frames, FrameSampler.Bound bound) {
            this.length = length;
            this.frames = frames;
            this.start = bound == null ? 0 : Math.max(0, bound.startSeconds());
            this.end = bound == null ? Double.POSITIVE_INFINITY : bound.endSeconds();
        }

        /** The next window with its frames decoded, or null after the last. */
        public VideoWindow next() throws IOException {
            if (done) {
                return null;
            }
            double ws = start + next * length;
            double we = Math.min(ws + length, end);
            if (!(ws < end)) {
                done = true;
                return null;
            }
            double fps = info.fps();
            int first = (int) Math.max(0, Math.rint(ws * fps));
            int wantedEnd = (int) Math.min(Integer.MAX_VALUE - 2, Math.rint(Math.min(we, 1e9) * fps));
            VideoWindow w = withFallback(() -> {
                int maxFrame = source.clampIndex(Math.max(wantedEnd, first), deadline);
                while (true) {
                    if (first > maxFrame) {
                        return null;
                    }
                    int[] idx = FrameSampler.frameIndices(new FrameSampler.Bound(ws, we), fps, maxFrame, 0, frames);
                    try {
                        List<VideoFrame> got = new ArrayList<>();
                        for (int i : idx) {
                            checkCancel();
                            got.add(source.frame(i, deadline));
                        }
                        double lastSeconds = (maxFrame + 1) / fps;
                        double shownEnd = maxFrame < wantedEnd ? Math.min(we, Math.max(ws, lastSeconds)) : we;
                        if (maxFrame < wantedEnd) {
                            done = true; // the clip ends inside this window
                        }
                        return new VideoWindow(next, ws, shownEnd, got);
                    } catch (FrameSource.PastEndException e) {
                        maxFrame = e.frameCount - 1;
                    }
                }
            });
            if (w == null) {
                done = true;
                return null;
            }
            next++;
            return w;
        }
    }

    private interface Work<T> {
        T run() throws IOException;
    }

    /**
     * Runs on the indexed source; if the container's timestamps fail it, again on a sequential decoder. Every public
     * call that decodes goes through here, so this is where the time budget's clock runs.
     */
    private <T> T withFallback(Work<T> work) throws IOException {
        deadline.resume();
        try {
            return fallingBack(work);
        } finally {
            deadline.pause();
        }
    }

    private <T> T fallingBack(Work<T> work) throws IOException {
        try {
            return work.run();
        } catch (FrameSource.IndexMismatchException | Demuxer.SeekFailedException e) {
            if (fellBack) {
                throw new MalformedMediaException("corrupt video: " + e.getMessage());
            }
            fellBack = true;
            fallbackReason = e.getMessage();
            decodedBeforeFallback = source.framesDecoded();
            source.close();
            source = new SequentialFrameSource(() -> new FrameDecoder(new Demuxer(file, header.format(), deadline),
                    options.threads(), info.rotationDegrees()), options.applyRotation(), info.fps(),
                    options.limits().maxVideoFrames());
            return work.run();
        }
    }

    /** Tests: decode from the start and count, as the reference does, instead of seeking by timestamps. */
    void forceSequential() {
        if (!fellBack) {
            fellBack = true;
            fallbackReason = "forced";
            source.close();
            source = new SequentialFrameSource(() -> {
                try {
                    return new FrameDecoder(new Demuxer(file, header.format(), deadline), options.threads(),
                            info.rotationDegrees());
                } catch (IOException e) {
                    throw e;
                }
            }, options.applyRotation(), info.fps(), options.limits().maxVideoFrames());
        }
    }

    private void checkCancel() {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("video decoding cancelled");
        }
    }

    /** {@code seek} (located by timestamps) or {@code sequential} (decoded from the start and counted). */
    public String mode() {
        return source.mode();
    }

    /** Why the reader decodes sequentially, or null. */
    public String fallbackReason() {
        return fallbackReason;
    }

    /** Frames the decoder produced so far (including those only decoded as references). */
    public long framesDecoded() {
        return decodedBeforeFallback + source.framesDecoded();
    }

    /** Seeks (or restarts from the beginning, sequentially) so far. */
    public long seeks() {
        return source.seeks();
    }

    @Override
    public void close() {
        source.close();
    }
}
