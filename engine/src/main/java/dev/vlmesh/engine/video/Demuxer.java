package dev.vlmesh.engine.video;

import dev.vlmesh.engine.media.MalformedMediaException;
import dev.vlmesh.engine.media.MediaFormat;
import dev.vlmesh.engine.media.UnsupportedMediaException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOInterruptCB;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_find_input_format;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_seek_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;
import static org.bytedeco.ffmpeg.global.avcodec.AVDISCARD_ALL;

/**
 * One open container (libavformat) reading the packets of its best video stream. The input format is forced to the
 * one our own sniffing found (FFmpeg never guesses from content, so an MP4 cannot turn into a playlist that opens
 * other files), only the {@code file} protocol is allowed, every other stream is discarded, and the reader's
 * deadline interrupts blocking I/O through FFmpeg's interrupt callback.
 */
final class Demuxer implements AutoCloseable {
    /** Deadline per open context, found by the address of the context's opaque token. */
    private static final Map<Long, Deadline> DEADLINES = new ConcurrentHashMap<>();
    /** One callback for every context: JavaCPP allows only a few live instances of a callback class. */
    private static final Interrupt INTERRUPT = new Interrupt();

    private final AVFormatContext ctx;
    private final BytePointer token = new BytePointer(1);
    private final AVStream stream;
    private final int streamIndex;
    private final AVPacket packet = av_packet_alloc();
    private boolean closed;

    private static final class Interrupt extends AVIOInterruptCB.Callback_Pointer {
        @Override
        public int call(Pointer opaque) {
            Deadline d = opaque == null ? null : DEADLINES.get(opaque.address());
            return d != null && d.passed() ? 1 : 0;
        }
    }

    Demuxer(Path file, MediaFormat format, Deadline deadline) throws IOException {
        FfmpegLibrary.load();
        DEADLINES.put(token.address(), deadline);
        AVFormatContext c = avformat_alloc_context();
        c.interrupt_callback().callback(INTERRUPT);
        c.interrupt_callback().opaque(token);
        AVInputFormat input = av_find_input_format(switch (format) {
            case MP4, MOV -> "mov";
            case WEBM, MKV -> "matroska";
            default -> throw new UnsupportedMediaException("unsupported media: " + format.wireName()
                    + " is not a video container", null);
        });
        AVDictionary opts = new AVDictionary(null);
        av_dict_set(opts, "protocol_whitelist", "file", 0);
        int r;
        try {
            r = avformat_open_input(c, file.toAbsolutePath().toString(), input, opts);
        } finally {
            av_dict_free(opts);
        }
        if (r < 0) {
            // avformat_open_input frees the context on failure
            DEADLINES.remove(token.address());
            deadline.check("opening the container");
            throw new MalformedMediaException("corrupt " + format.wireName().toUpperCase() + ": FFmpeg cannot open "
                    + "the container (" + error(r) + ")");
        }
        this.ctx = c;
        try {
            r = avformat_find_stream_info(ctx, (PointerPointer<?>) null);
            deadline.check("reading the stream headers");
            if (r < 0) {
                throw new MalformedMediaException("corrupt " + format.wireName().toUpperCase() + ": FFmpeg cannot "
                        + "read the stream headers (" + error(r) + ")");
            }
            int best = av_find_best_stream(ctx, AVMEDIA_TYPE_VIDEO, -1, -1, (AVCodec) null, 0);
            if (best < 0) {
                throw new UnsupportedMediaException("unsupported media: FFmpeg finds no decodable video stream in the "
                        + format.wireName().toUpperCase() + " (" + error(best) + ")", null);
            }
            this.streamIndex = best;
            this.stream = ctx.streams(best);
            for (int i = 0; i < ctx.nb_streams(); i++) {
                if (i != best) {
                    ctx.streams(i).discard(AVDISCARD_ALL);
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    AVStream stream() {
        return stream;
    }

    AVFormatContext context() {
        return ctx;
    }

    /**
     * The next packet of the video stream (valid until the next call), or null at the end of the file.
     *
     * @throws MalformedMediaException when the container is damaged past what the demuxer can skip
     */
    AVPacket next(Deadline deadline) throws IOException {
        while (true) {
            deadline.check("reading packets");
            av_packet_unref(packet);
            int r = av_read_frame(ctx, packet);
            if (r == AVERROR_EOF()) {
                return null;
            }
            if (r < 0) {
                deadline.check("reading packets");
                throw new MalformedMediaException("corrupt or truncated video: FFmpeg cannot read the next packet ("
                        + error(r) + ")");
            }
            if (packet.stream_index() == streamIndex) {
                return packet;
            }
        }
    }

    /** Positions the demuxer at the keyframe at or before {@code timestamp} (stream time base). */
    void seek(long timestamp, Deadline deadline) throws IOException {
        av_packet_unref(packet);
        int r = av_seek_frame(ctx, streamIndex, timestamp, org.bytedeco.ffmpeg.global.avformat.AVSEEK_FLAG_BACKWARD);
        deadline.check("seeking");
        if (r < 0) {
            throw new SeekFailedException("seek to " + timestamp + " failed (" + error(r) + ")");
        }
    }

    /** Seeking did not work for this file; the caller falls back to decoding from the start. */
    static final class SeekFailedException extends IOException {
        SeekFailedException(String message) {
            super(message);
        }
    }

    static String error(int code) {
        byte[] buf = new byte[256];
        av_strerror(code, buf, buf.length);
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8) + ", code " + code;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        av_packet_free(packet);
        avformat_close_input(ctx);
        DEADLINES.remove(token.address());
        token.close();
    }
}
