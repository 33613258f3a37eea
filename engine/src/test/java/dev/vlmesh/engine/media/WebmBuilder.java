package dev.vlmesh.engine.media;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes Matroska/WebM files element by element for tests: EBML header, Segment with SeekHead, Info, Tracks and a
 * Cluster. The block payload is filler, not VP9: these files are for container probing, not decoding.
 */
public final class WebmBuilder {
    private String docType = "webm";
    private Double durationMs = 10_000.0;
    private long timestampScale = 1_000_000;
    private int width = 320;
    private int height = 240;
    private String codecId = "V_VP9";
    private long trackType = 1;
    private long defaultDurationNs = 40_000_000;
    private boolean unknownSizes;
    private boolean metadataAfterClusters;
    private long segmentClaimsExtra;
    private int clusterPayload = 2048;

    public static WebmBuilder video() {
        return new WebmBuilder();
    }

    public WebmBuilder docType(String d) {
        this.docType = d;
        return this;
    }

    /** Duration in milliseconds (TimestampScale 1 ms); null leaves it out, as live recordings do. */
    public WebmBuilder durationMs(Double ms) {
        this.durationMs = ms;
        return this;
    }

    public WebmBuilder size(int w, int h) {
        this.width = w;
        this.height = h;
        return this;
    }

    public WebmBuilder codec(String id) {
        this.codecId = id;
        return this;
    }

    public WebmBuilder trackType(long t) {
        this.trackType = t;
        return this;
    }

    public WebmBuilder defaultDurationNs(long ns) {
        this.defaultDurationNs = ns;
        return this;
    }

    /** Segment and Cluster of unknown size, as MediaRecorder writes them. */
    public WebmBuilder live() {
        this.unknownSizes = true;
        return this;
    }

    /** Info and Tracks after the Cluster, found through the SeekHead. */
    public WebmBuilder metadataAtEnd() {
        this.metadataAfterClusters = true;
        return this;
    }

    /** Declares the Segment {@code extra} bytes longer than it is (a truncated upload). */
    public WebmBuilder segmentClaimsExtra(long extra) {
        this.segmentClaimsExtra = extra;
        return this;
    }

    public byte[] bytes() {
        byte[] header = el(0x1A45DFA3L, cat(el(0x4286, uint(1)), el(0x42F7, uint(1)), el(0x42F2, uint(4)),
                el(0x42F3, uint(8)), el(0x4282, str(docType)), el(0x4287, uint(4)), el(0x4285, uint(2))));
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.writeBytes(el(0x2AD7B1, uint(timestampScale)));
        if (durationMs != null) {
            info.writeBytes(el(0x4489, ByteBuffer.allocate(8).putDouble(durationMs).array()));
        }
        info.writeBytes(el(0x4D80, str("vlmesh-test")));
        byte[] infoEl = el(0x1549A966L, info.toByteArray());
        ByteArrayOutputStream entry = new ByteArrayOutputStream();
        entry.writeBytes(el(0xD7, uint(1)));
        entry.writeBytes(el(0x73C5, uint(1)));
        entry.writeBytes(el(0x83, uint(trackType)));
        entry.writeBytes(el(0x86, str(codecId)));
        if (defaultDurationNs > 0) {
            entry.writeBytes(el(0x23E383, uint(defaultDurationNs)));
        }
        if (trackType == 1) {
            entry.writeBytes(el(0xE0, cat(el(0xB0, uint(width)), el(0xBA, uint(height)))));
        }
        byte[] tracksEl = el(0x1654AE6BL, el(0xAE, entry.toByteArray()));
        byte[] block = new byte[clusterPayload];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 13 + 1);
        }
        byte[] clusterBody = cat(el(0xE7, uint(0)), el(0xA3, block));
        byte[] cluster = unknownSizes ? cat(id(0x1F43B675L), unknownSize(), clusterBody) : el(0x1F43B675L, clusterBody);

        byte[] body;
        if (metadataAfterClusters) {
            // SeekHead with fixed-width positions so its own size does not depend on them
            int seekHeadSize = seekHead(0, 0).length;
            long infoPos = seekHeadSize + cluster.length;
            long tracksPos = infoPos + infoEl.length;
            body = cat(seekHead(infoPos, tracksPos), cluster, infoEl, tracksEl);
        } else {
            body = cat(infoEl, tracksEl, cluster);
        }
        byte[] segment = unknownSizes ? cat(id(0x18538067L), unknownSize(), body)
                : cat(id(0x18538067L), size8(body.length + segmentClaimsExtra), body);
        return cat(header, segment);
    }

    private static byte[] seekHead(long infoPos, long tracksPos) {
        byte[] s1 = el(0x4DBB, cat(el(0x53AB, new byte[] {0x15, 0x49, (byte) 0xA9, 0x66}),
                el(0x53AC, ByteBuffer.allocate(8).putLong(infoPos).array())));
        byte[] s2 = el(0x4DBB, cat(el(0x53AB, new byte[] {0x16, 0x54, (byte) 0xAE, 0x6B}),
                el(0x53AC, ByteBuffer.allocate(8).putLong(tracksPos).array())));
        return el(0x114D9B74L, cat(s1, s2));
    }

    static byte[] el(long id, byte[] data) {
        return cat(id(id), size8(data.length), data);
    }

    static byte[] id(long id) {
        int n = id > 0xFFFFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1;
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (id >>> (8 * (n - 1 - i)));
        }
        return b;
    }

    /** Sizes as 8-byte VINTs: wasteful but always valid. */
    static byte[] size8(long size) {
        ByteBuffer b = ByteBuffer.allocate(8).putLong(size);
        byte[] a = b.array();
        a[0] = 0x01;
        return a;
    }

    static byte[] unknownSize() {
        return new byte[] {0x01, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
            (byte) 0xFF};
    }

    static byte[] uint(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static byte[] str(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
