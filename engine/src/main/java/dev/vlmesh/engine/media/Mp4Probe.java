package dev.vlmesh.engine.media;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads duration, frame size, frame count and codec of an MP4/MOV from its boxes, by positional reads: the top-level
 * boxes are walked by their sizes (an {@code mdat} of a gigabyte costs one header read, and {@code moov} may come
 * before or after it), and inside {@code moov} only {@code mvhd}, {@code mvex/mehd} and each track's {@code tkhd},
 * {@code mdhd}, {@code hdlr}, {@code stsd} and {@code stsz}/{@code stz2} are read.
 *
 * <p>Every declared size is checked against its parent and the file before it is trusted: a box running past the end
 * of the file is a truncated (or forged) file, and a sample count larger than its table, or whose samples could not
 * fit in the file, is forged. The values themselves (a duration of a thousand years) are left to {@link MediaLimits}.
 */
final class Mp4Probe {
    private static final int MAX_BOXES = 200_000;

    private final RandomAccessSource src;
    private final long fileSize;
    private final MediaFormat format;
    private int boxes;

    private record Box(String type, long start, int headerSize, long size) {
        long contentStart() {
            return start + headerSize;
        }

        long contentSize() {
            return size - headerSize;
        }

        long end() {
            return start + size;
        }
    }

    private static final class Track {
        String handler;
        long tkhdWidth;
        long tkhdHeight;
        long timescale;
        long duration = -1;
        String sampleEntry;
        int entryWidth;
        int entryHeight;
        long sampleCount = -1;
    }

    private long movieTimescale;
    private long movieDuration = -1;
    private long fragmentDuration = -1;
    private boolean hasMvex;
    private final List<Track> tracks = new ArrayList<>();

    private Mp4Probe(RandomAccessSource src, MediaFormat format) {
        this.src = src;
        this.fileSize = src.size();
        this.format = format;
    }

    static MediaInfo probe(RandomAccessSource src, MediaFormat format) throws IOException {
        return new Mp4Probe(src, format).run();
    }

    private MediaInfo run() throws IOException {
        boolean moovSeen = false;
        long pos = 0;
        while (pos < fileSize) {
            Box b = header(pos, fileSize, null);
            if (b.type.equals("moov")) {
                if (moovSeen) {
                    throw corrupt("two 'moov' boxes");
                }
                moovSeen = true;
                parseMoov(b);
            } else if (b.type.equals("moof") && moovSeen) {
                break; // fragments follow; the movie header already said what we need
            }
            pos = b.end();
        }
        if (!moovSeen) {
            throw new MalformedMediaException("the " + name() + " has no 'moov' box (its index): the upload is "
                    + "incomplete, or it is a fragment without its initialisation segment");
        }
        Track video = tracks.stream().filter(t -> "vide".equals(t.handler)).findFirst().orElse(null);
        if (video == null) {
            throw new UnsupportedMediaException("unsupported media: the " + name() + " has no video track (audio "
                    + "only?); vlmesh accepts " + MediaFormat.ACCEPTED, "audio-only " + name());
        }
        if (video.sampleEntry == null) {
            throw corrupt("the video track has no sample description ('stsd')");
        }
        if (video.sampleEntry.equals("encv")) {
            throw new UnsupportedMediaException("unsupported media: the " + name() + "'s video is encrypted (DRM)",
                    "encrypted video");
        }
        int width = video.entryWidth > 0 ? video.entryWidth : (int) video.tkhdWidth;
        int height = video.entryHeight > 0 ? video.entryHeight : (int) video.tkhdHeight;
        if (width <= 0 || height <= 0) {
            throw corrupt("the video track does not say its frame size");
        }
        Long frames = null;
        if (video.sampleCount > 0) {
            frames = video.sampleCount;
        } else if (!hasMvex) {
            throw corrupt("the video track has no frames");
        }
        return new MediaInfo(format, fileSize, width, height, duration(video), frames, codec(video.sampleEntry));
    }

    /** The longest duration any header claims: legitimate files agree, and a limit must not be dodged by a short one. */
    private Double duration(Track video) {
        double best = -1;
        if (movieTimescale > 0 && movieDuration > 0) {
            best = Math.max(best, (double) movieDuration / movieTimescale);
        }
        if (movieTimescale > 0 && fragmentDuration > 0) {
            best = Math.max(best, (double) fragmentDuration / movieTimescale);
        }
        if (video.timescale > 0 && video.duration > 0) {
            best = Math.max(best, (double) video.duration / video.timescale);
        }
        return best > 0 ? best : null;
    }

    private void parseMoov(Box moov) throws IOException {
        long pos = moov.contentStart();
        while (pos < moov.end()) {
            Box b = header(pos, moov.end(), "moov");
            switch (b.type) {
                case "mvhd" -> parseMvhd(b);
                case "trak" -> tracks.add(parseTrak(b));
                case "mvex" -> parseMvex(b);
                default -> {
                }
            }
            pos = b.end();
        }
        if (movieTimescale == 0) {
            throw corrupt("no movie header ('mvhd') in 'moov'");
        }
    }

    private void parseMvhd(Box b) throws IOException {
        byte[] c = content(b, 32);
        int version = c[0] & 0xFF;
        if (version == 1) {
            need(b, c, 32);
            movieTimescale = Bytes.u32be(c, 20);
            movieDuration = Bytes.u64be(c, 24);
        } else if (version == 0) {
            need(b, c, 20);
            movieTimescale = Bytes.u32be(c, 12);
            long d = Bytes.u32be(c, 16);
            movieDuration = d == 0xFFFFFFFFL ? -1 : d;
        } else {
            throw corrupt("'mvhd' has unknown version " + version);
        }
        if (movieTimescale == 0) {
            throw corrupt("'mvhd' has a timescale of 0");
        }
        if (movieDuration < -1) {
            // above 2^63 units: treat as the largest duration, which the limit refuses
            movieDuration = Long.MAX_VALUE;
        }
    }

    private void parseMvex(Box mvex) throws IOException {
        hasMvex = true;
        long pos = mvex.contentStart();
        while (pos < mvex.end()) {
            Box b = header(pos, mvex.end(), "mvex");
            if (b.type.equals("mehd")) {
                byte[] c = content(b, 12);
                int version = c[0] & 0xFF;
                need(b, c, version == 1 ? 12 : 8);
                fragmentDuration = version == 1 ? Bytes.u64be(c, 4) : Bytes.u32be(c, 4);
                if (fragmentDuration < -1) {
                    fragmentDuration = Long.MAX_VALUE;
                }
            }
            pos = b.end();
        }
    }

    private Track parseTrak(Box trak) throws IOException {
        Track t = new Track();
        long pos = trak.contentStart();
        while (pos < trak.end()) {
            Box b = header(pos, trak.end(), "trak");
            switch (b.type) {
                case "tkhd" -> parseTkhd(b, t);
                case "mdia" -> parseMdia(b, t);
                default -> {
                }
            }
            pos = b.end();
        }
        return t;
    }

    private void parseTkhd(Box b, Track t) throws IOException {
        byte[] c = content(b, 96);
        int version = c[0] & 0xFF;
        int w = version == 1 ? 88 : 76;
        if (version > 1) {
            throw corrupt("'tkhd' has unknown version " + version);
        }
        need(b, c, w + 8);
        t.tkhdWidth = Bytes.u32be(c, w) >>> 16;
        t.tkhdHeight = Bytes.u32be(c, w + 4) >>> 16;
    }

    private void parseMdia(Box mdia, Track t) throws IOException {
        long pos = mdia.contentStart();
        while (pos < mdia.end()) {
            Box b = header(pos, mdia.end(), "mdia");
            switch (b.type) {
                case "mdhd" -> {
                    byte[] c = content(b, 32);
                    int version = c[0] & 0xFF;
                    if (version == 1) {
                        need(b, c, 32);
                        t.timescale = Bytes.u32be(c, 20);
                        t.duration = Bytes.u64be(c, 24);
                        if (t.duration < -1) {
                            t.duration = Long.MAX_VALUE;
                        }
                    } else if (version == 0) {
                        need(b, c, 20);
                        t.timescale = Bytes.u32be(c, 12);
                        long d = Bytes.u32be(c, 16);
                        t.duration = d == 0xFFFFFFFFL ? -1 : d;
                    } else {
                        throw corrupt("'mdhd' has unknown version " + version);
                    }
                }
                case "hdlr" -> {
                    byte[] c = content(b, 12);
                    need(b, c, 12);
                    t.handler = Bytes.ascii(c, 8, 4);
                }
                case "minf" -> parseContainer(b, "minf", t);
                default -> {
                }
            }
            pos = b.end();
        }
    }

    /** minf holds stbl, which holds the sample tables. */
    private void parseContainer(Box box, String name, Track t) throws IOException {
        long pos = box.contentStart();
        while (pos < box.end()) {
            Box b = header(pos, box.end(), name);
            switch (b.type) {
                case "stbl" -> parseContainer(b, "stbl", t);
                case "stsd" -> parseStsd(b, t);
                case "stsz" -> parseStsz(b, t);
                case "stz2" -> parseStz2(b, t);
                default -> {
                }
            }
            pos = b.end();
        }
    }

    private void parseStsd(Box b, Track t) throws IOException {
        // version+flags, entry count, then the first entry: size, format, 8 bytes of SampleEntry, and for video
        // 16 bytes of VisualSampleEntry before width and height (at content bytes 40 and 42)
        byte[] c = content(b, 44);
        need(b, c, 16);
        long entries = Bytes.u32be(c, 4);
        if (entries == 0) {
            throw corrupt("'stsd' lists no sample description");
        }
        long entrySize = Bytes.u32be(c, 8);
        if (entrySize < 8 || entrySize > b.contentSize() - 8) {
            throw corrupt("the first sample description in 'stsd' declares " + entrySize + " bytes but 'stsd' holds "
                    + (b.contentSize() - 8));
        }
        t.sampleEntry = Bytes.printableFourcc(c, 12) ? Bytes.ascii(c, 12, 4) : Bytes.fourcc(c, 12);
        if (entrySize >= 36 && c.length >= 44) {
            t.entryWidth = Bytes.u16be(c, 40);
            t.entryHeight = Bytes.u16be(c, 42);
        }
    }

    private void parseStsz(Box b, Track t) throws IOException {
        byte[] c = content(b, 12);
        need(b, c, 12);
        long sampleSize = Bytes.u32be(c, 4);
        long count = Bytes.u32be(c, 8);
        if (sampleSize == 0) {
            long tableBytes = b.contentSize() - 12;
            if (count > tableBytes / 4) {
                throw new MalformedMediaException("forged or corrupt " + name() + ": 'stsz' at byte " + b.start
                        + " claims " + count + " samples but its table holds only " + Math.max(0, tableBytes / 4));
            }
        } else if ((double) count * sampleSize > fileSize) {
            throw new MalformedMediaException("forged or corrupt " + name() + ": 'stsz' claims " + count
                    + " samples of " + sampleSize + " bytes, more than the whole file (" + fileSize + " bytes)");
        }
        t.sampleCount = count;
    }

    private void parseStz2(Box b, Track t) throws IOException {
        byte[] c = content(b, 12);
        need(b, c, 12);
        int fieldBits = c[7] & 0xFF;
        if (fieldBits != 4 && fieldBits != 8 && fieldBits != 16) {
            throw corrupt("'stz2' has a field size of " + fieldBits + " bits");
        }
        long count = Bytes.u32be(c, 8);
        long tableBytes = b.contentSize() - 12;
        if ((count * fieldBits + 7) / 8 > tableBytes) {
            throw new MalformedMediaException("forged or corrupt " + name() + ": 'stz2' claims " + count
                    + " samples but its table holds only " + tableBytes + " bytes");
        }
        t.sampleCount = count;
    }

    private Box header(long pos, long parentEnd, String parent) throws IOException {
        if (++boxes > MAX_BOXES) {
            throw corrupt("more than " + MAX_BOXES + " boxes");
        }
        if (parentEnd - pos < 8) {
            throw parent == null
                    ? new MalformedMediaException("truncated " + name() + ": " + (parentEnd - pos)
                            + " stray bytes at byte " + pos + " where a box header (8 bytes) should start")
                    : corrupt("only " + (parentEnd - pos) + " bytes left in '" + parent + "' at byte " + pos
                            + " for an 8-byte box header");
        }
        byte[] h = Bytes.readExactly(src, pos, 8, "box header");
        if (!Bytes.printableFourcc(h, 4)) {
            throw corrupt("unreadable box type " + Bytes.fourcc(h, 4) + " at byte " + pos
                    + (parent == null ? "" : " in '" + parent + "'"));
        }
        String type = Bytes.ascii(h, 4, 4);
        long size = Bytes.u32be(h, 0);
        int headerSize = 8;
        if (size == 1) {
            if (parentEnd - pos < 16) {
                throw corrupt("box '" + type + "' at byte " + pos + " has a cut-off 64-bit size");
            }
            size = Bytes.u64be(Bytes.readExactly(src, pos + 8, 8, "64-bit box size"), 0);
            headerSize = 16;
            if (size < 0) {
                size = Long.MAX_VALUE;
            }
        } else if (size == 0) {
            size = parentEnd - pos; // "extends to the end of the file" (or of its parent)
        }
        if (size < headerSize) {
            throw corrupt("box '" + type + "' at byte " + pos + " declares a size of " + size
                    + " bytes, smaller than its own header");
        }
        if (size > parentEnd - pos) {
            if (parent == null) {
                throw new MalformedMediaException("truncated or forged " + name() + ": box '" + type + "' at byte "
                        + pos + " declares " + size + " bytes, running past the end of the file (" + fileSize
                        + " bytes)" + (type.equals("mdat") ? "; was the upload cut short?" : ""));
            }
            throw corrupt("box '" + type + "' at byte " + pos + " declares " + size
                    + " bytes, running past the end of its parent '" + parent + "' at byte " + parentEnd);
        }
        return new Box(type, pos, headerSize, size);
    }

    private byte[] content(Box b, int max) throws IOException {
        int n = (int) Math.min(max, b.contentSize());
        return Bytes.readExactly(src, b.contentStart(), n, "'" + b.type + "' box");
    }

    private void need(Box b, byte[] c, int n) throws MalformedMediaException {
        if (c.length < n) {
            throw corrupt("'" + b.type + "' box at byte " + b.start + " is " + c.length + " bytes, too short ("
                    + n + " needed)");
        }
    }

    private MalformedMediaException corrupt(String what) {
        return new MalformedMediaException("corrupt " + name() + ": " + what);
    }

    private String name() {
        return format == MediaFormat.MOV ? "MOV" : "MP4";
    }

    static String codec(String fourcc) {
        return switch (fourcc) {
            case "avc1", "avc2", "avc3", "avc4" -> "h264";
            case "hvc1", "hev1" -> "hevc";
            case "av01" -> "av1";
            case "vp08" -> "vp8";
            case "vp09" -> "vp9";
            case "mp4v" -> "mpeg4";
            case "jpeg", "mjpa", "mjpb" -> "mjpeg";
            case "apch", "apcn", "apcs", "apco", "ap4h", "ap4x" -> "prores";
            default -> fourcc.trim();
        };
    }
}
