package dev.vlmesh.ingest.media;

import dev.vlmesh.engine.media.MediaInfo;
import dev.vlmesh.engine.media.MediaKind;
import java.nio.file.Path;

/** A local media file that passed the probe, with its digest: ready to be stored. */
public record VerifiedMedia(MediaInfo info, String sha256, Path file, String filename) {
    public boolean video() {
        return info.kind() == MediaKind.VIDEO;
    }
}
