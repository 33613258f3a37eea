package dev.vlmesh.events;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A media object in the store, as ingest verified it. Content-addressed: the key is derived from the SHA-256, and
 * workers check the digest again after download.
 *
 * @param kind        image or video
 * @param format      container/codec family detected from magic bytes (jpeg, png, webp, gif, bmp, mp4, webm, …)
 * @param width       pixels, from the header (0 when unknown)
 * @param height      pixels, from the header (0 when unknown)
 * @param durationSeconds video duration from the container header, null for images
 * @param frameCount  video frames from the container header, null when unknown
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MediaRef(
        Kind kind,
        String bucket,
        String key,
        String sha256,
        long sizeBytes,
        String format,
        int width,
        int height,
        Double durationSeconds,
        Long frameCount) {

    public enum Kind {
        image, video
    }
}
