package dev.vlmesh.engine.video;

import dev.vlmesh.engine.image.RgbImage;
import dev.vlmesh.engine.media.MalformedMediaException;
import dev.vlmesh.engine.media.UnsupportedMediaException;
import java.io.IOException;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_flush_buffers;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_BT470BG;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_SMPTE170M;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_UNSPECIFIED;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_DEFAULT;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCoefficients;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;
import static org.bytedeco.ffmpeg.global.swscale.sws_setColorspaceDetails;

/**
 * A decoder on one demuxer: frames in presentation order, and their conversion to RGB.
 *
 * <p>RGB is what the reference gets from PyAV's {@code frame.to_ndarray(format='rgb24')}: libswscale, same size,
 * {@code SWS_BILINEAR} and nothing else, the source matrix and range from the frame's tags (untagged = BT.601,
 * limited range). The same library call gives the same bytes (checked against every fixture frame). Frames are
 * turned upright afterwards when the stream carries a rotation and rotation is applied.
 */
final class FrameDecoder implements AutoCloseable {
    /** {@code AV_FRAME_FLAG_CORRUPT} (libavutil/frame.h: 1 << 0). */
    private static final int FRAME_FLAG_CORRUPT = 1;

    private final Demuxer demuxer;
    private final AVCodecContext codec;
    private final AVFrame frame = av_frame_alloc();
    private final String codecName;
    private final int rotation;
    private final double timeBase;
    private final long startPts;
    private SwsContext sws;
    private int swsKey = -1;
    private BytePointer rgb;
    private long rgbCapacity;
    private boolean draining;
    private boolean ended;
    private long framesDecoded;
    private long packetsSent;
    private long seeks;

    FrameDecoder(Demuxer demuxer, int threads, int rotation) throws IOException {
        this.demuxer = demuxer;
        this.rotation = rotation;
        var par = demuxer.stream().codecpar();
        AVCodec dec = avcodec_find_decoder(par.codec_id());
        if (dec == null) {
            throw new UnsupportedMediaException("unsupported media: this build of FFmpeg has no decoder for the "
                    + "video's codec", null);
        }
        this.codecName = dec.name().getString();
        AVCodecContext c = avcodec_alloc_context3(dec);
        if (avcodec_parameters_to_context(c, par) < 0) {
            avcodec_free_context(c);
            throw new MalformedMediaException("corrupt video: the stream's codec parameters are invalid");
        }
        c.thread_count(threads);
        c.pkt_timebase(demuxer.stream().time_base());
        int r = avcodec_open2(c, dec, (AVDictionary) null);
        if (r < 0) {
            avcodec_free_context(c);
            throw new MalformedMediaException("corrupt video: the " + codecName + " decoder does not accept the "
                    + "stream's parameters (" + Demuxer.error(r) + ")");
        }
        this.codec = c;
        var tb = demuxer.stream().time_base();
        this.timeBase = tb.den() == 0 ? 0 : (double) tb.num() / tb.den();
        long st = demuxer.stream().start_time();
        this.startPts = st == AV_NOPTS_VALUE() ? 0 : st;
    }

    /**
     * The next decoded frame (valid until the next call), or null when the stream has ended.
     *
     * @throws MalformedMediaException when the decoder rejects the data (corrupt payload, or bytes of another codec
     *                                 than the container declares)
     */
    AVFrame next(Deadline deadline) throws IOException {
        while (!ended) {
            deadline.check("decoding frames");
            int r = avcodec_receive_frame(codec, frame);
            if (r >= 0) {
                framesDecoded++;
                return frame;
            }
            if (r == AVERROR_EOF()) {
                ended = true;
                return null;
            }
            if (r != AVERROR_EAGAIN()) {
                throw rejected(r);
            }
            if (draining) {
                ended = true;
                return null;
            }
            AVPacket p = demuxer.next(deadline);
            if (p == null) {
                draining = true;
                r = avcodec_send_packet(codec, null);
            } else {
                packetsSent++;
                r = avcodec_send_packet(codec, p);
            }
            if (r < 0 && r != AVERROR_EAGAIN() && r != AVERROR_EOF()) {
                throw rejected(r);
            }
        }
        return null;
    }

    private MalformedMediaException rejected(int r) {
        return new MalformedMediaException("corrupt video: the " + codecName + " decoder rejects the data ("
                + Demuxer.error(r) + "); the file is damaged, or holds another codec than its container declares");
    }

    /** Seeks to a keyframe (stream time base) and empties the decoder. */
    void seek(long timestamp, Deadline deadline) throws IOException {
        demuxer.seek(timestamp, deadline);
        avcodec_flush_buffers(codec);
        draining = false;
        ended = false;
        seeks++;
    }

    /** The frame's pts, falling back to the decoder's best guess; {@code AV_NOPTS_VALUE} when neither exists. */
    static long pts(AVFrame f) {
        long p = f.pts();
        return p != AV_NOPTS_VALUE() ? p : f.best_effort_timestamp();
    }

    double seconds(long pts) {
        return pts == AV_NOPTS_VALUE() ? Double.NaN : (pts - startPts) * timeBase;
    }

    /** Whether the decoder flagged the frame as damaged (missing references, concealed errors). */
    static boolean damaged(AVFrame f) {
        return f.decode_error_flags() != 0 || (f.flags() & FRAME_FLAG_CORRUPT) != 0;
    }

    /** The frame as RGB (reference conversion), upright when the stream is rotated and {@code rotate} is set. */
    RgbImage rgb(AVFrame f, boolean rotate) throws IOException {
        int w = f.width();
        int h = f.height();
        if (w < 1 || h < 1) {
            throw new MalformedMediaException("corrupt video: a decoded frame is " + w + "x" + h);
        }
        int key = (w * 31 + h) * 131 + f.format() * 7 + f.colorspace() * 3 + f.color_range();
        if (sws == null || key != swsKey) {
            sws = sws_getCachedContext(sws, w, h, f.format(), w, h, AV_PIX_FMT_RGB24, SWS_BILINEAR, null, null,
                    (DoublePointer) null);
            if (sws == null) {
                throw new MalformedMediaException("unsupported pixel format " + f.format() + " in the video");
            }
            int cs = f.colorspace();
            boolean full = f.color_range() == AVCOL_RANGE_JPEG;
            // untagged BT.601 limited range is swscale's default: leave the context as the reference leaves it
            if (full || (cs != AVCOL_SPC_UNSPECIFIED && cs != AVCOL_SPC_BT470BG && cs != AVCOL_SPC_SMPTE170M)) {
                IntPointer src = sws_getCoefficients(cs == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : cs);
                IntPointer dst = sws_getCoefficients(SWS_CS_DEFAULT);
                sws_setColorspaceDetails(sws, src, full ? 1 : 0, dst, 1, 0, 1 << 16, 1 << 16);
            }
            swsKey = key;
        }
        long bytes = (long) w * h * 3;
        if (rgb == null || rgbCapacity < bytes) {
            if (rgb != null) {
                rgb.close();
            }
            rgb = new BytePointer(bytes);
            rgbCapacity = bytes;
        }
        try (PointerPointer<?> dst = new PointerPointer<>(1).put(0, rgb);
             IntPointer stride = new IntPointer(1).put(0, w * 3)) {
            int rows = sws_scale(sws, f.data(), f.linesize(), 0, h, dst, stride);
            if (rows != h) {
                throw new MalformedMediaException("corrupt video: converting a frame to RGB gave " + rows + " of "
                        + h + " rows");
            }
        }
        byte[] out = new byte[(int) bytes];
        rgb.position(0).get(out);
        RgbImage image = new RgbImage(w, h, out);
        return rotate && rotation != 0 ? Rotation.rotate(image, rotation) : image;
    }

    String codecName() {
        return codecName;
    }

    long framesDecoded() {
        return framesDecoded;
    }

    long packetsSent() {
        return packetsSent;
    }

    long seeks() {
        return seeks;
    }

    @Override
    public void close() {
        av_frame_free(frame);
        avcodec_free_context(codec);
        if (sws != null) {
            sws_freeContext(sws);
        }
        if (rgb != null) {
            rgb.close();
        }
        demuxer.close();
    }
}
