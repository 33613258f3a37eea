package dev.vlmesh.engine.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Mp4ProbeTest {
    private final MediaProbe probe = new MediaProbe(MediaLimits.DEFAULT);

    @Test
    void readsDurationSizeFramesAndCodec() throws IOException {
        MediaInfo info = probe.probe(Mp4Builder.video().size(1280, 720).duration(90_000, 1000).samples(2250)
                .bytes());
        assertEquals(MediaFormat.MP4, info.format());
        assertEquals(1280, info.width());
        assertEquals(720, info.height());
        assertEquals(90.0, info.durationSeconds());
        assertEquals(2250L, info.frameCount());
        assertEquals("h264", info.codec());
    }

    @Test
    void moovAtTheEndReadsTheSame() throws IOException {
        Mp4Builder b = Mp4Builder.video().size(640, 480).duration(5000, 600).samples(150).sampleEntry("hvc1");
        MediaInfo first = probe.probe(b.bytes());
        MediaInfo last = probe.probe(b.moovAtEnd().bytes());
        assertEquals(first.durationSeconds(), last.durationSeconds());
        assertEquals(first.frameCount(), last.frameCount());
        assertEquals(640, last.width());
        assertEquals("hevc", last.codec());
    }

    @Test
    void version1HeadersAnd64BitMdat() throws IOException {
        MediaInfo info = probe.probe(Mp4Builder.video().mvhdVersion1().duration(30_000, 1000).largeMdatHeader()
                .moovAtEnd().bytes());
        assertEquals(30.0, info.durationSeconds());
    }

    @Test
    void movBrand() throws IOException {
        assertEquals(MediaFormat.MOV, probe.probe(Mp4Builder.video().brand("qt  ").bytes()).format());
    }

    @Test
    void forgedDurationIsCaughtByTheLimit() {
        // 4 000 000 000 s at timescale 1: the header is well-formed, its value is not believable
        byte[] forged = Mp4Builder.video().mvhdVersion1().duration(4_000_000_000L, 1).bytes();
        MediaLimitException e = assertThrows(MediaLimitException.class, () -> probe.probe(forged));
        assertEquals(MediaLimitException.Limit.DURATION, e.limit());
        assertTrue(e.getMessage().contains("lasts"), e.getMessage());
    }

    @Test
    void forgedFrameCountIsCaught() {
        // a count with no table behind it is forged
        MalformedMediaException table = assertThrows(MalformedMediaException.class,
                () -> probe.probe(Mp4Builder.video().forgedSampleTable(4_000_000_000L, 10).bytes()));
        assertTrue(table.getMessage().contains("forged"), table.getMessage());
        // a constant sample size cannot hide it: the samples would not fit in the file
        MalformedMediaException constant = assertThrows(MalformedMediaException.class,
                () -> probe.probe(Mp4Builder.video().constantSamples(4_000_000_000L, 1000).bytes()));
        assertTrue(constant.getMessage().contains("more than the whole file"), constant.getMessage());
        // a believable-looking count over the limit
        MediaProbe tight = new MediaProbe(new MediaLimits(1 << 20, 1 << 20, 1 << 30, 1 << 24, 3600, 1000));
        MediaLimitException limit = assertThrows(MediaLimitException.class,
                () -> tight.probe(Mp4Builder.video().constantSamples(2000, 1).bytes()));
        assertEquals(MediaLimitException.Limit.FRAMES, limit.limit());
    }

    @Test
    void mdatRunningPastTheEndIsATruncatedFile() {
        byte[] cut = Mp4Builder.video().moovAtEnd().mdatClaimsExtra(1_000_000).bytes();
        MalformedMediaException e = assertThrows(MalformedMediaException.class, () -> probe.probe(cut));
        assertTrue(e.getMessage().contains("'mdat'") && e.getMessage().contains("past the end of the file"),
                e.getMessage());
    }

    @Test
    void fileCutInsideMoovIsRefused() {
        byte[] full = Mp4Builder.video().bytes();
        byte[] cut = TestImages.truncate(full, 200);
        MalformedMediaException e = assertThrows(MalformedMediaException.class, () -> probe.probe(cut));
        assertTrue(e.getMessage().contains("past the end of the file"), e.getMessage());
    }

    @Test
    void boxSmallerThanItsHeaderIsCorrupt() {
        byte[] b = Mp4Builder.video().bytes();
        int moov = indexOf(b, "moov") - 4;
        b[moov] = 0;
        b[moov + 1] = 0;
        b[moov + 2] = 0;
        b[moov + 3] = 4;
        MalformedMediaException e = assertThrows(MalformedMediaException.class, () -> probe.probe(b));
        assertTrue(e.getMessage().contains("smaller than its own header"), e.getMessage());
    }

    @Test
    void childBoxRunningPastItsParentIsCorrupt() {
        byte[] b = Mp4Builder.video().bytes();
        int mvhd = indexOf(b, "mvhd") - 4;
        b[mvhd + 2] = 0x7F; // mvhd size now larger than moov
        MalformedMediaException e = assertThrows(MalformedMediaException.class, () -> probe.probe(b));
        assertTrue(e.getMessage().contains("past the end of its parent 'moov'"), e.getMessage());
    }

    @Test
    void audioOnlyIsNotAVideo() {
        UnsupportedMediaException e = assertThrows(UnsupportedMediaException.class,
                () -> probe.probe(Mp4Builder.video().handler("soun").bytes()));
        assertTrue(e.getMessage().contains("no video track"), e.getMessage());
    }

    @Test
    void encryptedVideoIsRefused() {
        assertThrows(UnsupportedMediaException.class, () -> probe.probe(Mp4Builder.video().sampleEntry("encv")
                .bytes()));
    }

    @Test
    void noMoovIsRefused() {
        byte[] noMoov = Mp4Builder.cat(Mp4Builder.box("ftyp", Mp4Builder.ascii("isom"), Mp4Builder.u32(0)),
                Mp4Builder.box("mdat", new byte[100]));
        MalformedMediaException e = assertThrows(MalformedMediaException.class, () -> probe.probe(noMoov));
        assertTrue(e.getMessage().contains("no 'moov'"), e.getMessage());
    }

    @Test
    void largeFileOnDiskIsProbedWithAFewReads(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("big.mp4");
        Mp4Builder.video().moovAtEnd().mdatPayload(64L << 20).constantSamples(1500, 40_000).writeTo(f);
        CountingSource counting = new CountingSource(RandomAccessSource.open(f));
        MediaInfo info = probe.probe(counting);
        counting.close();
        assertEquals(1500L, info.frameCount());
        assertTrue(counting.reads < 60, "reads: " + counting.reads);
        assertTrue(counting.bytes < 16_384, "bytes read: " + counting.bytes);
    }

    @Test
    void blockCacheCoalescesSmallReads() throws IOException {
        byte[] mp4 = Mp4Builder.video().bytes();
        CountingSource counting = new CountingSource(RandomAccessSource.of(mp4));
        BlockCachedSource cached = new BlockCachedSource(counting, 4096, 4);
        MediaInfo info = probe.probe(cached);
        assertEquals(250L, info.frameCount());
        assertEquals(counting.reads, cached.fetches());
        assertTrue(cached.fetches() <= 3, "fetches: " + cached.fetches());
    }

    @Test
    void fragmentedWithoutSampleTableHasUnknownFrames() throws IOException {
        byte[] mvex = Mp4Builder.box("mvex", Mp4Builder.box("mehd", Mp4Builder.u32(0), Mp4Builder.u32(12_000)));
        byte[] base = Mp4Builder.video().duration(0, 1000).samples(0).bytes();
        // put mvex inside moov: rebuild moov with the extra child
        int moovAt = indexOf(base, "moov") - 4;
        long moovSize = java.nio.ByteBuffer.wrap(base, moovAt, 4).getInt();
        byte[] moovBody = java.util.Arrays.copyOfRange(base, moovAt + 8, (int) (moovAt + moovSize));
        byte[] rebuilt = Mp4Builder.cat(java.util.Arrays.copyOf(base, moovAt),
                Mp4Builder.box("moov", moovBody, mvex),
                java.util.Arrays.copyOfRange(base, (int) (moovAt + moovSize), base.length));
        MediaInfo info = probe.probe(rebuilt);
        assertNull(info.frameCount());
        assertEquals(12.0, info.durationSeconds());
    }

    static int indexOf(byte[] b, String s) {
        byte[] p = s.getBytes();
        outer:
        for (int i = 0; i <= b.length - p.length; i++) {
            for (int j = 0; j < p.length; j++) {
                if (b[i + j] != p[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException(s + " not found");
    }

    /** Counts reads reaching the wrapped source. */
    static final class CountingSource implements RandomAccessSource {
        final RandomAccessSource inner;
        int reads;
        long bytes;

        CountingSource(RandomAccessSource inner) {
            this.inner = inner;
        }

        @Override
        public long size() {
            return inner.size();
        }

        @Override
        public int read(long pos, byte[] buf, int off, int len) throws IOException {
            reads++;
            int n = inner.read(pos, buf, off, len);
            bytes += Math.max(0, n);
            return n;
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }
}
