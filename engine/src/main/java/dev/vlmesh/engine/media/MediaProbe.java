package dev.vlmesh.engine.media;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Validates one media file by its content and headers, without decoding it, in order of cost: the magic bytes give
 * the format (a ZIP renamed {@code .jpg} is refused here); the file size is checked against the limit before any
 * header is parsed; the header gives width × height (and for videos duration, frame count and codec), checked against
 * the limits before anything would be allocated for pixels; last, images are checked for completeness (a truncated
 * upload is refused), and videos' container structure is checked while it is walked.
 *
 * <p>Shared by ingest (validation before a job is accepted) and the workers (validation before decoding).
 */
public final class MediaProbe {
    private final MediaLimits limits;

    public MediaProbe(MediaLimits limits) {
        this.limits = limits;
    }

    public MediaLimits limits() {
        return limits;
    }

    public MediaInfo probe(Path file) throws IOException {
        try (RandomAccessSource src = RandomAccessSource.open(file)) {
            return probe(src);
        }
    }

    public MediaInfo probe(byte[] data) throws IOException {
        return probe(RandomAccessSource.of(data));
    }

    /**
     * Probes any source. Images from sources that are neither files nor arrays are read into memory (after the size
     * limit), so callers holding remote images should copy them to a file first.
     *
     * @throws UnsupportedMediaException not an accepted format
     * @throws MediaLimitException       over a size, pixel, duration or frame limit
     * @throws MalformedMediaException   truncated, corrupt or self-contradicting
     * @throws IOException               the source could not be read
     */
    public MediaInfo probe(RandomAccessSource src) throws IOException {
        MediaFormat format = MediaSniffer.sniff(src);
        limits.checkSize(format, src.size());
        MediaInfo info = switch (format) {
            case JPEG, PNG, WEBP, GIF, BMP -> ImageHeaders.probe(src, format);
            case MP4, MOV -> Mp4Probe.probe(src, format);
            case WEBM, MKV -> MatroskaProbe.probe(src, format);
        };
        limits.checkHeader(info);
        if (format.kind() == MediaKind.IMAGE) {
            ImageIntegrity.check(src, format);
        }
        return info;
    }

    /** The format by magic bytes alone (cheap: reads the first bytes, and an EBML header's DocType). */
    public static MediaFormat sniff(RandomAccessSource src) throws IOException {
        return MediaSniffer.sniff(src);
    }
}
