package dev.vlmesh.engine.media;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads duration, frame size, an estimated frame count and the codec of a Matroska/WebM file from its EBML header
 * ({@code Segment/Info} and {@code Segment/Tracks/TrackEntry/Video}), by positional reads. Level-1 elements are
 * skipped by their sizes until Info and Tracks are found; when they sit after the clusters, the {@code SeekHead}
 * says where. Live recordings (MediaRecorder) write segments and clusters of unknown size; Info and Tracks come
 * before the first cluster there.
 *
 * <p>Every declared size is checked against its parent and the file before it is trusted.
 */
final class MatroskaProbe {
    static final long EBML = 0x1A45DFA3L;
    static final long DOC_TYPE = 0x4282L;
    static final long SEGMENT = 0x18538067L;
    static final long SEEK_HEAD = 0x114D9B74L;
    static final long SEEK = 0x4DBBL;
    static final long SEEK_ID = 0x53ABL;
    static final long SEEK_POSITION = 0x53ACL;
    static final long INFO = 0x1549A966L;
    static final long TIMESTAMP_SCALE = 0x2AD7B1L;
    static final long DURATION = 0x4489L;
    static final long TRACKS = 0x1654AE6BL;
    static final long TRACK_ENTRY = 0xAEL;
    static final long TRACK_TYPE = 0x83L;
    static final long CODEC_ID = 0x86L;
    static final long DEFAULT_DURATION = 0x23E383L;
    static final long VIDEO = 0xE0L;
    static final long PIXEL_WIDTH = 0xB0L;
    static final long PIXEL_HEIGHT = 0xBAL;
    static final long CONTENT_ENCODINGS = 0x6D80L;
    static final long CONTENT_ENCODING = 0x6240L;
    static final long CONTENT_ENCRYPTION = 0x5035L;
    static final long CLUSTER = 0x1F43B675L;
    private static final int MAX_ELEMENTS = 200_000;

    private final RandomAccessSource src;
    private final long fileSize;
    private final MediaFormat format;
    private int elements;

    /** One element: its id (with the length marker bits, as specs write them), where its data starts, its size. */
    private record Element(long id, long start, long dataStart, long size, boolean unknownSize) {
        long end() {
            return dataStart + size;
        }
    }

    private static final class VideoTrack {
        String codecId;
        long width;
        long height;
        long defaultDurationNs;
        boolean encrypted;
    }

    private long timestampScale = 1_000_000;
    private Double durationTicks;
    private boolean infoSeen;
    private boolean tracksSeen;
    private VideoTrack video;
    private final Map<Long, Long> seek = new HashMap<>();

    private MatroskaProbe(RandomAccessSource src, MediaFormat format) {
        this.src = src;
        this.fileSize = src.size();
        this.format = format;
    }

    /** WebM or Matroska by the EBML header's DocType. */
    static MediaFormat docTypeFormat(RandomAccessSource src) throws IOException {
        MatroskaProbe p = new MatroskaProbe(src, MediaFormat.MKV);
        Element header = p.element(0, p.fileSize, "the file");
        if (header.unknownSize || header.size > 4096) {
            throw new MalformedMediaException("corrupt Matroska/WebM: the EBML header declares "
                    + (header.unknownSize ? "an unknown size" : header.size + " bytes"));
        }
        String docType = null;
        long pos = header.dataStart;
        while (pos < header.end()) {
            Element e = p.element(pos, header.end(), "the EBML header");
            if (e.id == DOC_TYPE) {
                docType = p.string(e);
            }
            pos = e.end();
        }
        if (docType == null) {
            throw new MalformedMediaException("corrupt Matroska/WebM: the EBML header has no DocType");
        }
        return switch (docType) {
            case "webm" -> MediaFormat.WEBM;
            case "matroska" -> MediaFormat.MKV;
            default -> throw new UnsupportedMediaException("unsupported media: the file is an EBML document of type '"
                    + docType + "', not a Matroska or WebM video", "EBML " + docType);
        };
    }

    static MediaInfo probe(RandomAccessSource src, MediaFormat format) throws IOException {
        return new MatroskaProbe(src, format).run();
    }

    private MediaInfo run() throws IOException {
        Element header = element(0, fileSize, "the file");
        long pos = header.end();
        Element segment = null;
        while (pos < fileSize) {
            Element e = element(pos, fileSize, "the file");
            if (e.id == SEGMENT) {
                segment = e;
                break;
            }
            if (e.unknownSize) {
                throw corrupt("top-level element " + hex(e.id) + " at byte " + e.start + " has an unknown size");
            }
            pos = e.end();
        }
        if (segment == null) {
            throw new MalformedMediaException("truncated " + name() + ": no Segment after the EBML header");
        }
        long segStart = segment.dataStart;
        long segEnd = segment.unknownSize ? fileSize : segment.end();
        pos = segStart;
        while (pos < segEnd && !(infoSeen && tracksSeen)) {
            Element e = element(pos, segEnd, "the Segment");
            if (e.id == INFO) {
                parseInfo(e);
            } else if (e.id == TRACKS) {
                parseTracks(e);
            } else if (e.id == SEEK_HEAD) {
                parseSeekHead(e, segStart);
            } else if (e.id == CLUSTER) {
                break; // media data: what we need is before it, or found through the SeekHead
            } else if (e.unknownSize) {
                throw corrupt("element " + hex(e.id) + " at byte " + e.start + " has an unknown size");
            }
            pos = e.end();
        }
        if (!infoSeen && seek.containsKey(INFO)) {
            parseInfo(expect(seek.get(INFO), segStart, segEnd, INFO));
        }
        if (!tracksSeen && seek.containsKey(TRACKS)) {
            parseTracks(expect(seek.get(TRACKS), segStart, segEnd, TRACKS));
        }
        if (!tracksSeen) {
            throw new MalformedMediaException("truncated or corrupt " + name() + ": no track list (Tracks) before the "
                    + "media data");
        }
        if (video == null) {
            throw new UnsupportedMediaException("unsupported media: the " + name() + " has no video track (audio "
                    + "only?); vlmesh accepts " + MediaFormat.ACCEPTED, "audio-only " + name());
        }
        if (video.encrypted) {
            throw new UnsupportedMediaException("unsupported media: the " + name() + "'s video is encrypted",
                    "encrypted video");
        }
        if (video.width <= 0 || video.height <= 0 || video.width > Integer.MAX_VALUE
                || video.height > Integer.MAX_VALUE) {
            throw corrupt("the video track's frame size is " + video.width + "x" + video.height);
        }
        Double seconds = durationTicks == null ? null : durationTicks * timestampScale / 1e9;
        Long frames = null;
        if (seconds != null && video.defaultDurationNs > 0) {
            frames = Math.round(seconds * 1e9 / video.defaultDurationNs);
        }
        return new MediaInfo(format, fileSize, (int) video.width, (int) video.height, seconds, frames,
                codec(video.codecId));
    }

    private Element expect(long pos, long segStart, long segEnd, long id) throws IOException {
        if (pos < segStart || pos >= segEnd) {
            throw corrupt("the SeekHead points " + hex(id) + " outside the Segment (byte " + pos + ")");
        }
        Element e = element(pos, segEnd, "the Segment");
        if (e.id != id) {
            throw corrupt("the SeekHead points " + hex(id) + " at byte " + pos + " but finds " + hex(e.id));
        }
        return e;
    }

    private void parseInfo(Element info) throws IOException {
        requireKnownSize(info);
        infoSeen = true;
        long pos = info.dataStart;
        while (pos < info.end()) {
            Element e = element(pos, info.end(), "Info");
            if (e.id == TIMESTAMP_SCALE) {
                timestampScale = uint(e);
                if (timestampScale <= 0) {
                    throw corrupt("TimestampScale is " + timestampScale);
                }
            } else if (e.id == DURATION) {
                double d = floatValue(e);
                if (Double.isNaN(d) || d < 0 || Double.isInfinite(d)) {
                    throw new MalformedMediaException("forged or corrupt " + name() + ": Duration is " + d);
                }
                durationTicks = d;
            }
            pos = e.end();
        }
    }

    private void parseTracks(Element tracks) throws IOException {
        requireKnownSize(tracks);
        tracksSeen = true;
        long pos = tracks.dataStart;
        while (pos < tracks.end()) {
            Element e = element(pos, tracks.end(), "Tracks");
            if (e.id == TRACK_ENTRY && video == null) {
                VideoTrack t = parseTrackEntry(e);
                if (t != null) {
                    video = t;
                }
            }
            pos = e.end();
        }
    }

    /** The entry as a video track, or null when it is another kind of track. */
    private VideoTrack parseTrackEntry(Element entry) throws IOException {
        requireKnownSize(entry);
        VideoTrack t = new VideoTrack();
        long type = -1;
        long pos = entry.dataStart;
        while (pos < entry.end()) {
            Element e = element(pos, entry.end(), "TrackEntry");
            if (e.id == TRACK_TYPE) {
                type = uint(e);
            } else if (e.id == CODEC_ID) {
                t.codecId = string(e);
            } else if (e.id == DEFAULT_DURATION) {
                t.defaultDurationNs = uint(e);
            } else if (e.id == VIDEO) {
                requireKnownSize(e);
                long p = e.dataStart;
                while (p < e.end()) {
                    Element v = element(p, e.end(), "Video");
                    if (v.id == PIXEL_WIDTH) {
                        t.width = uint(v);
                    } else if (v.id == PIXEL_HEIGHT) {
                        t.height = uint(v);
                    }
                    p = v.end();
                }
            } else if (e.id == CONTENT_ENCODINGS) {
                t.encrypted = containsEncryption(e);
            }
            pos = e.end();
        }
        return type == 1 ? t : null;
    }

    private boolean containsEncryption(Element encodings) throws IOException {
        requireKnownSize(encodings);
        long pos = encodings.dataStart;
        while (pos < encodings.end()) {
            Element enc = element(pos, encodings.end(), "ContentEncodings");
            if (enc.id == CONTENT_ENCODING) {
                requireKnownSize(enc);
                long p = enc.dataStart;
                while (p < enc.end()) {
                    Element x = element(p, enc.end(), "ContentEncoding");
                    if (x.id == CONTENT_ENCRYPTION) {
                        return true;
                    }
                    p = x.end();
                }
            }
            pos = enc.end();
        }
        return false;
    }

    private void parseSeekHead(Element head, long segStart) throws IOException {
        requireKnownSize(head);
        long pos = head.dataStart;
        while (pos < head.end()) {
            Element s = element(pos, head.end(), "SeekHead");
            if (s.id == SEEK) {
                requireKnownSize(s);
                long id = -1;
                long position = -1;
                long p = s.dataStart;
                while (p < s.end()) {
                    Element x = element(p, s.end(), "Seek");
                    if (x.id == SEEK_ID) {
                        byte[] b = data(x, 4);
                        id = 0;
                        for (byte v : b) {
                            id = (id << 8) | (v & 0xFF);
                        }
                    } else if (x.id == SEEK_POSITION) {
                        position = uint(x);
                    }
                    p = x.end();
                }
                if (id >= 0 && position >= 0 && position <= Long.MAX_VALUE - segStart) {
                    seek.putIfAbsent(id, segStart + position);
                }
            }
            pos = s.end();
        }
    }

    private Element element(long pos, long parentEnd, String parent) throws IOException {
        if (++elements > MAX_ELEMENTS) {
            throw corrupt("more than " + MAX_ELEMENTS + " elements");
        }
        byte[] h = Bytes.readUpTo(src, pos, 12);
        if (h.length == 0) {
            throw new MalformedMediaException("truncated " + name() + ": the file ends at byte " + pos
                    + " inside " + parent);
        }
        int b0 = h[0] & 0xFF;
        int idLen = Integer.numberOfLeadingZeros(b0) - 23;
        if (b0 == 0 || idLen > 4) {
            throw corrupt("invalid element id at byte " + pos + " in " + parent);
        }
        if (h.length < idLen + 1) {
            throw truncated(pos, parent);
        }
        long id = 0;
        for (int i = 0; i < idLen; i++) {
            id = (id << 8) | (h[i] & 0xFF);
        }
        int s0 = h[idLen] & 0xFF;
        int sizeLen = Integer.numberOfLeadingZeros(s0) - 23;
        if (s0 == 0) {
            throw corrupt("invalid size of element " + hex(id) + " at byte " + pos);
        }
        if (h.length < idLen + sizeLen) {
            throw truncated(pos, parent);
        }
        long size = s0 & (0xFF >>> sizeLen);
        for (int i = 1; i < sizeLen; i++) {
            size = (size << 8) | (h[idLen + i] & 0xFF);
        }
        boolean unknown = size == (1L << (7 * sizeLen)) - 1;
        long dataStart = pos + idLen + sizeLen;
        if (dataStart > parentEnd) {
            throw truncated(pos, parent);
        }
        if (unknown) {
            size = parentEnd - dataStart;
        } else if (size > parentEnd - dataStart) {
            boolean fileEnd = parentEnd == fileSize;
            throw new MalformedMediaException((fileEnd ? "truncated or forged " : "corrupt ") + name() + ": element "
                    + hex(id) + " at byte " + pos + " declares " + size + " bytes, running past the end of "
                    + (fileEnd ? "the file (" + fileSize + " bytes)" : parent + " at byte " + parentEnd));
        }
        return new Element(id, pos, dataStart, size, unknown);
    }

    private MalformedMediaException truncated(long pos, String parent) {
        return new MalformedMediaException("truncated " + name() + ": an element header at byte " + pos + " in "
                + parent + " is cut off");
    }

    private void requireKnownSize(Element e) throws MalformedMediaException {
        if (e.unknownSize) {
            throw corrupt("element " + hex(e.id) + " at byte " + e.start + " has an unknown size");
        }
    }

    private byte[] data(Element e, int max) throws IOException {
        if (e.size > max) {
            throw corrupt("element " + hex(e.id) + " at byte " + e.start + " is " + e.size + " bytes (at most " + max
                    + " expected)");
        }
        return Bytes.readExactly(src, e.dataStart, (int) e.size, "element " + hex(e.id));
    }

    private long uint(Element e) throws IOException {
        byte[] b = data(e, 8);
        long v = 0;
        for (byte x : b) {
            v = (v << 8) | (x & 0xFF);
        }
        return v < 0 ? Long.MAX_VALUE : v;
    }

    private double floatValue(Element e) throws IOException {
        byte[] b = data(e, 8);
        return switch (b.length) {
            case 0 -> 0;
            case 4 -> Float.intBitsToFloat((int) Bytes.u32be(b, 0));
            case 8 -> Double.longBitsToDouble(Bytes.u64be(b, 0));
            default -> throw corrupt("float element " + hex(e.id) + " has " + b.length + " bytes");
        };
    }

    private String string(Element e) throws IOException {
        byte[] b = data(e, 1024);
        int n = b.length;
        while (n > 0 && b[n - 1] == 0) {
            n--;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private MalformedMediaException corrupt(String what) {
        return new MalformedMediaException("corrupt " + name() + ": " + what);
    }

    private String name() {
        return format == MediaFormat.WEBM ? "WebM" : "Matroska";
    }

    private static String hex(long id) {
        return "0x" + Long.toHexString(id).toUpperCase();
    }

    static String codec(String codecId) {
        if (codecId == null) {
            return null;
        }
        return switch (codecId) {
            case "V_VP8" -> "vp8";
            case "V_VP9" -> "vp9";
            case "V_AV1" -> "av1";
            case "V_MPEG4/ISO/AVC" -> "h264";
            case "V_MPEGH/ISO/HEVC" -> "hevc";
            case "V_MJPEG" -> "mjpeg";
            default -> codecId.toLowerCase(java.util.Locale.ROOT);
        };
    }
}
