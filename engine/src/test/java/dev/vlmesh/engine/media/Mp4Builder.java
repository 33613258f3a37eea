package dev.vlmesh.engine.media;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Writes MP4 files box by box for tests: a real ISO-BMFF structure (ftyp, moov with mvhd and one video trak, mdat),
 * with every header value settable so that hostile variants (forged duration, forged sample count, truncated mdat)
 * can be made. The mdat payload is filler, not H.264: these files are for container probing, not decoding.
 */
public final class Mp4Builder {
    private String majorBrand = "isom";
    private boolean moovFirst = true;
    private int mvhdVersion = 0;
    private long timescale = 1000;
    private long durationUnits = 10_000;
    private int width = 640;
    private int height = 360;
    private String sampleEntry = "avc1";
    private String handler = "vide";
    private long sampleCount = 250;
    /** 0 = per-sample table of {@link #tableSampleSize}; otherwise one constant size for every sample. */
    private long constantSampleSize = 0;
    private long tableEntries = -1;
    private long mdatPayload = 4096;
    private boolean largeMdatHeader;
    private long mdatDeclaredExtra;

    public static Mp4Builder video() {
        return new Mp4Builder();
    }

    public Mp4Builder brand(String b) {
        this.majorBrand = b;
        return this;
    }

    public Mp4Builder moovAtEnd() {
        this.moovFirst = false;
        return this;
    }

    public Mp4Builder mvhdVersion1() {
        this.mvhdVersion = 1;
        return this;
    }

    public Mp4Builder duration(long units, long timescale) {
        this.durationUnits = units;
        this.timescale = timescale;
        return this;
    }

    public Mp4Builder size(int w, int h) {
        this.width = w;
        this.height = h;
        return this;
    }

    public Mp4Builder sampleEntry(String fourcc) {
        this.sampleEntry = fourcc;
        return this;
    }

    public Mp4Builder handler(String h) {
        this.handler = h;
        return this;
    }

    /** Sample count with a real per-sample size table. */
    public Mp4Builder samples(long count) {
        this.sampleCount = count;
        this.constantSampleSize = 0;
        return this;
    }

    /** A sample count whose size table holds only {@code entries} entries (a forged count). */
    public Mp4Builder forgedSampleTable(long claimedCount, long entries) {
        this.sampleCount = claimedCount;
        this.tableEntries = entries;
        this.constantSampleSize = 0;
        return this;
    }

    /** Every sample {@code size} bytes: the count is not backed by a table, only by the file size. */
    public Mp4Builder constantSamples(long count, long size) {
        this.sampleCount = count;
        this.constantSampleSize = size;
        return this;
    }

    public Mp4Builder mdatPayload(long bytes) {
        this.mdatPayload = bytes;
        return this;
    }

    /** Writes the mdat size as a 64-bit largesize. */
    public Mp4Builder largeMdatHeader() {
        this.largeMdatHeader = true;
        return this;
    }

    /** Declares the mdat {@code extra} bytes longer than it is (a truncated upload). */
    public Mp4Builder mdatClaimsExtra(long extra) {
        this.mdatDeclaredExtra = extra;
        return this;
    }

    public byte[] bytes() {
        if (mdatPayload > 64L << 20) {
            throw new IllegalStateException("use writeTo for large files");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** Streams the file to disk (the mdat payload in 1 MiB chunks) and returns its SHA-256 in hex. */
    public String writeTo(Path file) throws IOException {
        MessageDigest sha = sha256();
        try (OutputStream os = Files.newOutputStream(file)) {
            write(new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    sha.update((byte) b);
                    os.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    sha.update(b, off, len);
                    os.write(b, off, len);
                }
            });
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private void write(OutputStream out) throws IOException {
        out.write(ftyp());
        byte[] moov = moov();
        if (moovFirst) {
            out.write(moov);
        }
        writeMdat(out);
        if (!moovFirst) {
            out.write(moov);
        }
    }

    private void writeMdat(OutputStream out) throws IOException {
        long declared = mdatPayload + mdatDeclaredExtra;
        if (largeMdatHeader || declared + 8 > 0xFFFFFFFFL) {
            ByteBuffer h = ByteBuffer.allocate(16);
            h.putInt(1).put(ascii("mdat")).putLong(declared + 16);
            out.write(h.array());
        } else {
            ByteBuffer h = ByteBuffer.allocate(8);
            h.putInt((int) (declared + 8)).put(ascii("mdat"));
            out.write(h.array());
        }
        byte[] chunk = new byte[1 << 20];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) (i * 31 + 7); // filler that is not all zeros
        }
        long left = mdatPayload;
        while (left > 0) {
            int n = (int) Math.min(left, chunk.length);
            out.write(chunk, 0, n);
            left -= n;
        }
    }

    private byte[] ftyp() {
        return box("ftyp", cat(ascii(majorBrand), u32(512), ascii("isom"), ascii("iso2"), ascii("mp41")));
    }

    private byte[] moov() {
        return box("moov", mvhd(), trak());
    }

    private byte[] mvhd() {
        ByteBuffer b = ByteBuffer.allocate(mvhdVersion == 1 ? 112 : 100);
        b.put((byte) mvhdVersion).put(new byte[3]);
        if (mvhdVersion == 1) {
            b.putLong(0).putLong(0).putInt((int) timescale).putLong(durationUnits);
        } else {
            b.putInt(0).putInt(0).putInt((int) timescale).putInt((int) durationUnits);
        }
        b.putInt(0x00010000).putShort((short) 0x0100).put(new byte[10]);
        putMatrix(b);
        b.put(new byte[24]).putInt(2);
        return box("mvhd", b.array());
    }

    private byte[] trak() {
        return box("trak", tkhd(), box("mdia", mdhd(), hdlr(), box("minf", box("stbl", stsd(), stts(), stsc(),
                stsz(), stco()))));
    }

    private byte[] tkhd() {
        ByteBuffer b = ByteBuffer.allocate(84);
        b.put((byte) 0).put(new byte[] {0, 0, 3});
        b.putInt(0).putInt(0).putInt(1).putInt(0).putInt((int) durationUnits);
        b.put(new byte[8]).putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0);
        putMatrix(b);
        b.putInt(width << 16).putInt(height << 16);
        return box("tkhd", b.array());
    }

    private byte[] mdhd() {
        ByteBuffer b = ByteBuffer.allocate(24);
        b.putInt(0).putInt(0).putInt(0).putInt((int) timescale).putInt((int) durationUnits).putShort((short) 0x55C4)
                .putShort((short) 0);
        return box("mdhd", b.array());
    }

    private byte[] hdlr() {
        return box("hdlr", cat(u32(0), u32(0), ascii(handler), new byte[12], ascii("VideoHandler\0")));
    }

    private byte[] stsd() {
        ByteBuffer e = ByteBuffer.allocate(86);
        e.putInt(86).put(ascii(sampleEntry)).put(new byte[6]).putShort((short) 1);
        e.putShort((short) 0).putShort((short) 0).put(new byte[12]);
        e.putShort((short) width).putShort((short) height);
        e.putInt(0x00480000).putInt(0x00480000).putInt(0).putShort((short) 1).put(new byte[32]).putShort((short) 24)
                .putShort((short) -1);
        return box("stsd", cat(u32(0), u32(1), e.array()));
    }

    private byte[] stts() {
        return box("stts", cat(u32(0), u32(1), u32(sampleCount), u32(Math.max(1, durationUnits / Math.max(1,
                sampleCount)))));
    }

    private byte[] stsc() {
        return box("stsc", cat(u32(0), u32(1), u32(1), u32(Math.max(1, sampleCount)), u32(1)));
    }

    private byte[] stsz() {
        if (constantSampleSize > 0) {
            return box("stsz", cat(u32(0), u32(constantSampleSize), u32(sampleCount)));
        }
        long entries = tableEntries >= 0 ? tableEntries : sampleCount;
        ByteBuffer t = ByteBuffer.allocate((int) (12 + 4 * entries));
        t.putInt(0).putInt(0).putInt((int) sampleCount);
        long each = Math.max(1, mdatPayload / Math.max(1, sampleCount));
        for (long i = 0; i < entries; i++) {
            t.putInt((int) each);
        }
        return box("stsz", t.array());
    }

    private byte[] stco() {
        return box("stco", cat(u32(0), u32(1), u32(0)));
    }

    private static void putMatrix(ByteBuffer b) {
        b.putInt(0x00010000).putInt(0).putInt(0).putInt(0).putInt(0x00010000).putInt(0).putInt(0).putInt(0)
                .putInt(0x40000000);
    }

    public static byte[] box(String type, byte[]... children) {
        byte[] body = cat(children);
        ByteBuffer b = ByteBuffer.allocate(8 + body.length);
        b.putInt(8 + body.length).put(ascii(type)).put(body);
        return b.array();
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] u32(long v) {
        return ByteBuffer.allocate(4).putInt((int) v).array();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
