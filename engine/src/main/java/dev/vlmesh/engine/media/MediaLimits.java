package dev.vlmesh.engine.media;

import dev.vlmesh.engine.image.ImageLimits;

/**
 * Bounds checked before anything expensive: the file size first (before the header is parsed), then what the header
 * says (pixels, duration, frames).
 *
 * @param maxImageBytes   largest image file
 * @param maxImagePixels  largest image width × height (a decompression bomb is refused here)
 * @param maxVideoBytes   largest video file
 * @param maxVideoPixels  largest video frame width × height
 * @param maxVideoSeconds longest video
 * @param maxVideoFrames  most frames in a video
 */
public record MediaLimits(long maxImageBytes, long maxImagePixels, long maxVideoBytes, long maxVideoPixels,
                          double maxVideoSeconds, long maxVideoFrames) {

    /**
     * Images as the engine's decoder accepts them ({@link ImageLimits#DEFAULT}); videos up to 2 GiB, 8K frames, one
     * hour and 500 000 frames (an hour at 120 fps plus margin).
     */
    public static final MediaLimits DEFAULT = new MediaLimits(ImageLimits.DEFAULT.maxFileBytes(),
            ImageLimits.DEFAULT.maxPixels(), 2L << 30, 7680L * 4320, 3600, 500_000);

    public MediaLimits {
        if (maxImageBytes < 1 || maxImagePixels < 1 || maxVideoBytes < 1 || maxVideoPixels < 1
                || !(maxVideoSeconds > 0) || maxVideoFrames < 1) {
            throw new IllegalArgumentException("media limits must be positive");
        }
    }

    public long maxBytes(MediaKind kind) {
        return kind == MediaKind.IMAGE ? maxImageBytes : maxVideoBytes;
    }

    /** The size check, before a single header byte is interpreted. */
    public void checkSize(MediaFormat format, long bytes) throws MediaLimitException {
        long max = maxBytes(format.kind());
        if (bytes > max) {
            throw new MediaLimitException(MediaLimitException.Limit.FILE_SIZE, bytes, max,
                    "the " + format.wireName().toUpperCase() + " file is " + human(bytes) + ", over the limit of "
                            + human(max) + " for " + (format.kind() == MediaKind.IMAGE ? "images" : "videos"));
        }
    }

    /** The header check: pixels for both kinds, duration and frames for videos. */
    public void checkHeader(MediaInfo info) throws MediaLimitException {
        String name = info.format().wireName().toUpperCase();
        long maxPixels = info.kind() == MediaKind.IMAGE ? maxImagePixels : maxVideoPixels;
        if (info.pixels() > maxPixels) {
            throw new MediaLimitException(MediaLimitException.Limit.PIXELS, info.pixels(), maxPixels,
                    "the " + name + " " + (info.kind() == MediaKind.IMAGE ? "image" : "video") + " is "
                            + info.width() + "x" + info.height() + " (" + info.pixels() + " pixels), over the limit of "
                            + maxPixels + " pixels; scale it down first");
        }
        if (info.kind() == MediaKind.VIDEO) {
            Double d = info.durationSeconds();
            if (d != null && d > maxVideoSeconds) {
                throw new MediaLimitException(MediaLimitException.Limit.DURATION, d, maxVideoSeconds,
                        "the " + name + " video's header says it lasts " + seconds(d) + ", over the limit of "
                                + seconds(maxVideoSeconds) + "; cut it into shorter clips");
            }
            Long f = info.frameCount();
            if (f != null && f > maxVideoFrames) {
                throw new MediaLimitException(MediaLimitException.Limit.FRAMES, f, maxVideoFrames,
                        "the " + name + " video's header says it has " + f + " frames, over the limit of "
                                + maxVideoFrames + " frames");
            }
        }
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s (%d bytes)", v, units[u], bytes);
    }

    private static String seconds(double s) {
        return s >= 1e7 ? String.format(java.util.Locale.ROOT, "%.3g s", s)
                : String.format(java.util.Locale.ROOT, "%.1f s", s);
    }
}
