package dev.vlmesh.engine.media;

import dev.vlmesh.engine.image.ImageDecodeException;
import dev.vlmesh.engine.image.ImageInfo;
import dev.vlmesh.engine.image.ImageProbe;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Adapter to the engine's image header reader ({@link ImageProbe}), so that ingest and the workers agree on an
 * image's size with the decoder that will later read it. ImageProbe reads files and arrays; other sources are read
 * into memory first, which callers bound with the image size limit before calling this.
 */
final class ImageHeaders {
    private ImageHeaders() {
    }

    static MediaInfo probe(RandomAccessSource src, MediaFormat format) throws IOException {
        ImageInfo info;
        try {
            Path file = src.file();
            if (file != null) {
                info = ImageProbe.probe(file);
            } else if (src instanceof ByteArraySource a) {
                info = ImageProbe.probe(a.bytes());
            } else {
                if (src.size() > Integer.MAX_VALUE - 16) {
                    throw new MalformedMediaException("image of " + src.size() + " bytes cannot be read into memory");
                }
                info = ImageProbe.probe(Bytes.readExactly(src, 0, (int) src.size(), "image"));
            }
        } catch (ImageDecodeException e) {
            throw new MalformedMediaException(e.getMessage(), e); // ImageProbe's messages name the format
        }
        if (info.format() != format.imageFormat()) {
            throw new MalformedMediaException("the image header reads as " + info.format() + " but the content starts "
                    + "like " + format.wireName().toUpperCase());
        }
        return new MediaInfo(format, src.size(), info.width(), info.height(), null, null, null);
    }
}
