package dev.vlmesh.engine.video;

import dev.vlmesh.engine.image.RgbImage;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacketSideData;
import org.bytedeco.javacpp.IntPointer;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_DATA_DISPLAYMATRIX;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_side_data_get;
import static org.bytedeco.ffmpeg.global.avutil.av_display_rotation_get;

/** The display rotation a stream asks for, and turning RGB frames by it. */
final class Rotation {
    private Rotation() {
    }

    /**
     * Clockwise degrees (0, 90, 180, 270) from the stream's display matrix, as the ffmpeg command line computes its
     * autorotation; 0 without a matrix or for angles that are not a multiple of 90.
     */
    static int of(AVCodecParameters par) {
        AVPacketSideData sd = av_packet_side_data_get(par.coded_side_data(), par.nb_coded_side_data(),
                AV_PKT_DATA_DISPLAYMATRIX);
        if (sd == null || sd.isNull() || sd.size() < 9 * 4) {
            return 0;
        }
        double ccw = av_display_rotation_get(new IntPointer(sd.data()));
        if (Double.isNaN(ccw)) {
            return 0;
        }
        long cw = Math.round(-ccw);
        cw = ((cw % 360) + 360) % 360;
        return cw % 90 == 0 ? (int) cw : 0;
    }

    /** The image turned clockwise by {@code degrees} (90, 180 or 270). */
    static RgbImage rotate(RgbImage in, int degrees) {
        int w = in.width();
        int h = in.height();
        byte[] src = in.pixels();
        byte[] dst = new byte[src.length];
        int ow = degrees == 180 ? w : h;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int ox;
                int oy;
                switch (degrees) {
                    case 90 -> { ox = h - 1 - y; oy = x; }
                    case 180 -> { ox = w - 1 - x; oy = h - 1 - y; }
                    case 270 -> { ox = y; oy = w - 1 - x; }
                    default -> throw new IllegalArgumentException("rotation " + degrees);
                }
                int s = (y * w + x) * 3;
                int d = (oy * ow + ox) * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }
        return degrees == 180 ? new RgbImage(w, h, dst) : new RgbImage(h, w, dst);
    }
}
