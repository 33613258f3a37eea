package dev.vlmesh.engine.media;

/**
 * What a header probe learned about one media file, without decoding it.
 *
 * @param sizeBytes       the file's length
 * @param width           pixels (images: the decoded size; videos: the coded size of the first video track)
 * @param height          pixels
 * @param durationSeconds video duration from the container header; null for images or when the header has none
 * @param frameCount      video frames from the container header (MP4: sample count of the video track; Matroska:
 *                        duration ÷ default frame duration); null when the header does not say
 * @param codec           video codec (h264, hevc, vp8, vp9, av1, … or the raw four-character code); null for images
 */
public record MediaInfo(MediaFormat format, long sizeBytes, int width, int height, Double durationSeconds,
                        Long frameCount, String codec) {

    public MediaKind kind() {
        return format.kind();
    }

    public long pixels() {
        return (long) width * height;
    }
}
