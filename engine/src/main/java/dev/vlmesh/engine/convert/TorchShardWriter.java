package dev.vlmesh.engine.convert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.zip.CRC32;

/**
 * Streams a PyTorch zip checkpoint ({@code model_optim_rng.pt}) with the record layout of {@code torch.save}:
 * {@code <archive>/data.pkl}, {@code .format_version}, {@code .storage_alignment}, {@code byteorder}, one
 * {@code data/<key>} per tensor, {@code version}, {@code .data/serialization_id}. Entries are stored (not
 * compressed), their data aligned to 64 bytes with an {@code FB} padding extra field, sizes and CRC-32 in a data
 * descriptor after the data (so nothing is rewritten), ZIP64 fields wherever a size or offset needs them, and a ZIP64
 * end record as torch writes one.
 */
final class TorchShardWriter implements ShardOutput {
    static final String ARCHIVE = "model_optim_rng";
    private static final int ALIGN = 64;
    private static final long MAX32 = 0xFFFFFFFFL;

    private record Central(String name, long crc, long size, long offset, boolean zip64Local) {
    }

    private final HashingFile file;
    private final String relativePath;
    private final List<TorchPickle.Tensor> tensors;
    private final boolean forceZip64;
    private final List<Central> central = new ArrayList<>();
    private long position;
    private final CRC32 crc = new CRC32();
    private String entryName;
    private long entryOffset;
    private long entrySize;
    private boolean entryZip64;
    private final String serialId;

    private TorchShardWriter(HashingFile file, String relativePath, List<TorchPickle.Tensor> tensors,
                             boolean forceZip64, String serialId) {
        this.file = file;
        this.relativePath = relativePath;
        this.tensors = tensors;
        this.forceZip64 = forceZip64;
        this.serialId = serialId;
    }

    /**
     * @param dicts      the state dicts; tensors are numbered (storage keys) in this order
     * @param serialId   a stable id for {@code .data/serialization_id} (torch writes a random one)
     * @param forceZip64 write ZIP64 fields even where sizes fit 32 bits (to exercise readers in tests)
     */
    static TorchShardWriter create(Path root, String relativePath, List<TorchPickle.StateDict> dicts, String serialId,
                                   boolean forceZip64) throws IOException {
        List<TorchPickle.Tensor> all = dicts.stream().flatMap(d -> d.tensors().stream()).toList();
        HashingFile f = new HashingFile(root.resolve(relativePath));
        TorchShardWriter w = new TorchShardWriter(f, relativePath, all, forceZip64, serialId);
        try {
            w.small("data.pkl", TorchPickle.checkpoint(dicts));
            w.small(".format_version", "1".getBytes(StandardCharsets.US_ASCII));
            w.small(".storage_alignment", "64".getBytes(StandardCharsets.US_ASCII));
            w.small("byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
        return w;
    }

    private void small(String name, byte[] data) throws IOException {
        begin(name, data.length);
        data(ByteBuffer.wrap(data));
        end();
    }

    private void begin(String name, long size) throws IOException {
        entryName = ARCHIVE + "/" + name;
        entryOffset = position;
        entrySize = size;
        entryZip64 = forceZip64 || size >= MAX32;
        crc.reset();
        byte[] nameBytes = entryName.getBytes(StandardCharsets.UTF_8);
        int zip64Len = entryZip64 ? 4 + 16 : 0;
        long dataStart = position + 30 + nameBytes.length + zip64Len + 4;
        int pad = (int) ((ALIGN - dataStart % ALIGN) % ALIGN);
        int extraLen = zip64Len + 4 + pad;
        ByteBuffer h = le(30 + nameBytes.length + extraLen);
        h.putInt(0x04034b50).putShort(version()).putShort((short) 0x0808).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0).putInt(0).putInt(0).putInt(0)
                .putShort((short) nameBytes.length).putShort((short) extraLen).put(nameBytes);
        if (entryZip64) {
            h.putShort((short) 1).putShort((short) 16).putLong(0).putLong(0);
        }
        h.putShort((short) 0x4246).putShort((short) pad); // "FB" padding, as PyTorch's writer uses
        for (int i = 0; i < pad; i++) {
            h.put((byte) 'Z');
        }
        raw(h.flip());
    }

    private short version() {
        return (short) (entryZip64 ? 45 : 20);
    }

    private Future<?> data(ByteBuffer b) throws IOException {
        crc.update(b.duplicate());
        return raw(b);
    }

    private void end() throws IOException {
        long written = position - entryOffset; // header + data
        ByteBuffer d = le(entryZip64 ? 24 : 16);
        d.putInt(0x08074b50).putInt((int) crc.getValue());
        if (entryZip64) {
            d.putLong(entrySize).putLong(entrySize);
        } else {
            d.putInt((int) entrySize).putInt((int) entrySize);
        }
        raw(d.flip());
        central.add(new Central(entryName, crc.getValue(), entrySize, entryOffset, entryZip64));
        assert written >= entrySize;
    }

    private Future<?> raw(ByteBuffer b) throws IOException {
        int n = b.remaining();
        Future<?> f = file.write(b);
        position += n;
        return f;
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private int current = -1;
    private long writtenInCurrent;

    @Override
    public void beginTensor(int index) throws IOException {
        if (index != current + 1) {
            throw new IllegalStateException("tensor " + index + " out of order in " + relativePath);
        }
        current = index;
        writtenInCurrent = 0;
        TorchPickle.Tensor t = tensors.get(index);
        begin("data/" + index, Dtypes.byteSize(t.dtype(), t.shape()));
    }

    @Override
    public Future<?> write(ByteBuffer bytes) throws IOException {
        writtenInCurrent += bytes.remaining();
        if (writtenInCurrent > entrySize) {
            throw new IllegalStateException("tensor " + tensors.get(current).name() + " overflows its size");
        }
        return data(bytes);
    }

    @Override
    public void endTensor() throws IOException {
        if (writtenInCurrent != entrySize) {
            throw new IllegalStateException("tensor " + tensors.get(current).name() + " got " + writtenInCurrent
                    + " of " + entrySize + " bytes");
        }
        end();
    }

    @Override
    public FileDigest finish() throws IOException {
        if (current != tensors.size() - 1) {
            throw new IllegalStateException(relativePath + ": only " + (current + 1) + " of " + tensors.size()
                    + " tensors written");
        }
        small("version", "3\n".getBytes(StandardCharsets.US_ASCII));
        small(".data/serialization_id", serialId.getBytes(StandardCharsets.US_ASCII));
        long cdStart = position;
        for (Central c : central) {
            byte[] name = c.name().getBytes(StandardCharsets.UTF_8);
            boolean bigSize = forceZip64 || c.size() >= MAX32;
            boolean bigOffset = forceZip64 || c.offset() >= MAX32;
            int extraLen = (bigSize || bigOffset) ? 4 + (bigSize ? 16 : 0) + (bigOffset ? 8 : 0) : 0;
            ByteBuffer e = le(46 + name.length + extraLen);
            short v = (short) (extraLen > 0 || c.zip64Local() ? 45 : 20);
            e.putInt(0x02014b50).putShort(v).putShort(v).putShort((short) 0x0808).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt((int) c.crc())
                    .putInt(bigSize ? -1 : (int) c.size()).putInt(bigSize ? -1 : (int) c.size())
                    .putShort((short) name.length).putShort((short) extraLen).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0).putInt(bigOffset ? -1 : (int) c.offset())
                    .put(name);
            if (extraLen > 0) {
                e.putShort((short) 1).putShort((short) (extraLen - 4));
                if (bigSize) {
                    e.putLong(c.size()).putLong(c.size());
                }
                if (bigOffset) {
                    e.putLong(c.offset());
                }
            }
            raw(e.flip());
        }
        long cdSize = position - cdStart;
        long zip64End = position;
        ByteBuffer z = le(56 + 20);
        z.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                .putLong(central.size()).putLong(central.size()).putLong(cdSize).putLong(cdStart);
        z.putInt(0x07064b50).putInt(0).putLong(zip64End).putInt(1);
        raw(z.flip());
        boolean manyEntries = central.size() >= 0xFFFF;
        ByteBuffer eocd = le(22);
        eocd.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                .putShort((short) (manyEntries ? 0xFFFF : central.size()))
                .putShort((short) (manyEntries ? 0xFFFF : central.size()))
                .putInt(cdSize >= MAX32 ? -1 : (int) cdSize).putInt(cdStart >= MAX32 ? -1 : (int) cdStart)
                .putShort((short) 0);
        raw(eocd.flip());
        return file.commit(relativePath);
    }

    @Override
    public void close() {
        file.close();
    }
}
