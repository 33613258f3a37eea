package dev.vlmesh.engine.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.safetensors.SafetensorsEntry;
import dev.vlmesh.engine.safetensors.SafetensorsFile;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model_optim_rng.pt}: the zip records torch.save writes, in its order, data aligned to 64 bytes, CRCs right,
 * ZIP64 where forced; the pickle uses only opcodes of protocol 2 and only globals torch.load(weights_only=True)
 * allows, and names every tensor of the shard with a storage whose bytes equal the safetensors tensor.
 * (That PyTorch itself loads these files is checked by bench/convert/check_mindspeed.py in tools/.venv.)
 */
class TorchCheckpointTest {

    @TempDir
    Path tmp;

    private static final Set<String> ALLOWED_GLOBALS = Set.of("collections\nOrderedDict",
            "torch._utils\n_rebuild_tensor_v2", "torch\nFloatStorage", "torch\nBFloat16Storage", "torch\nHalfStorage",
            "torch\nDoubleStorage");

    @Test
    void torchFilesHoldTheShardTensorsInTorchSaveLayout() throws Exception {
        check(false, new ParallelSpec(2, List.of(List.of(1, 1), List.of(1, 1)),
                List.of(List.of(1, 0), List.of(2, 0))));
    }

    @Test
    void forcedZip64RecordsStayReadable() throws Exception {
        check(true, new ParallelSpec(1, List.of(List.of(2, 2)), List.of(List.of(3, 0))));
    }

    private void check(boolean zip64, ParallelSpec spec) throws Exception {
        Path src = ConvertFixtures.model(ConvertFixtures.B, "original"); // bfloat16, 3 ViT layers
        Path out = tmp.resolve("mm");
        HfToMm.convert(src, out, HfToMm.Options.of(spec).withTorchFormat(true).withForceZip64(zip64));
        int vpp = spec.vpp();
        try (Arena arena = Arena.ofConfined()) {
            for (Path shard : list(out.resolve("release"))) {
                Path pt = shard.resolve("model_optim_rng.pt");
                SafetensorsFile st = SafetensorsFile.open(shard.resolve("model.safetensors"), arena);
                List<String> stored = new ArrayList<>(st.entries().keySet());
                byte[] bytes = Files.readAllBytes(pt);
                List<String> names = localRecords(bytes, zip64);
                List<String> expected = new ArrayList<>(List.of("data.pkl", ".format_version", ".storage_alignment",
                        "byteorder"));
                for (int i = 0; i < stored.size(); i++) {
                    expected.add("data/" + i);
                }
                expected.add("version");
                expected.add(".data/serialization_id");
                assertEquals(expected.stream().map(n -> "model_optim_rng/" + n).toList(), names);
                try (ZipFile z = new ZipFile(pt.toFile())) {
                    assertEquals("3\n", text(z, "version"));
                    assertEquals("little", text(z, "byteorder"));
                    for (ZipEntry e : z.stream().toList()) {
                        assertEquals(ZipEntry.STORED, e.getMethod());
                        CRC32 crc = new CRC32();
                        crc.update(z.getInputStream(e).readAllBytes());
                        assertEquals(e.getCrc(), crc.getValue(), e.getName());
                    }
                    Pickle p = Pickle.parse(z.getInputStream(z.getEntry("model_optim_rng/data.pkl")).readAllBytes());
                    assertTrue(ALLOWED_GLOBALS.containsAll(p.globals), p.globals.toString());
                    List<String> expectedKeys = new ArrayList<>();
                    if (vpp == 1) {
                        expectedKeys.add("model");
                    } else {
                        for (int v = 0; v < vpp; v++) {
                            expectedKeys.add("model" + v);
                        }
                    }
                    // strings in order: top-level key, then per tensor: name, 'storage', key, 'cpu'
                    List<String> tensorNames = new ArrayList<>();
                    int at = 0;
                    for (String key : expectedKeys) {
                        assertEquals(key, p.strings.get(at++));
                        String prefix = vpp > 1 ? key + "." : "";
                        for (String s : stored) {
                            if (vpp > 1 && !s.startsWith(prefix)) {
                                continue;
                            }
                            assertEquals(s.substring(prefix.length()), p.strings.get(at++));
                            assertEquals("storage", p.strings.get(at++));
                            assertEquals(Integer.toString(tensorNames.size()), p.strings.get(at++));
                            assertEquals("cpu", p.strings.get(at++));
                            tensorNames.add(s);
                        }
                    }
                    assertEquals("checkpoint_version", p.strings.get(at++));
                    assertEquals(at, p.strings.size());
                    assertEquals(List.of(3.0), p.floats);
                    for (int i = 0; i < tensorNames.size(); i++) {
                        SafetensorsEntry e = st.entries().get(tensorNames.get(i));
                        byte[] data = z.getInputStream(z.getEntry("model_optim_rng/data/" + i)).readAllBytes();
                        assertEquals(-1, st.data(e).mismatch(java.lang.foreign.MemorySegment.ofArray(data)),
                                tensorNames.get(i));
                    }
                }
            }
        }
    }

    private static String text(ZipFile z, String name) throws Exception {
        return new String(z.getInputStream(z.getEntry("model_optim_rng/" + name)).readAllBytes(),
                StandardCharsets.US_ASCII);
    }

    /** Walks the local file headers from the start: data 64-byte aligned, data descriptor after each entry. */
    private static List<String> localRecords(byte[] b, boolean zip64) {
        ByteBuffer in = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        List<String> names = new ArrayList<>();
        int at = 0;
        while (in.getInt(at) == 0x04034b50) {
            assertEquals(0x0808, in.getShort(at + 6) & 0xffff, "flags: data descriptor + UTF-8");
            int nameLen = in.getShort(at + 26) & 0xffff;
            int extraLen = in.getShort(at + 28) & 0xffff;
            String name = new String(b, at + 30, nameLen, StandardCharsets.UTF_8);
            int extraAt = at + 30 + nameLen;
            boolean hasZip64 = (in.getShort(extraAt) & 0xffff) == 1;
            assertEquals(zip64, hasZip64, name);
            int data = extraAt + extraLen;
            assertEquals(0, data % 64, name + " data is not 64-byte aligned");
            // the descriptor follows the data; find its size from the central directory's view
            int descriptor = findDescriptor(in, data);
            long size = hasZip64 ? in.getLong(descriptor + 8) : in.getInt(descriptor + 8) & 0xffffffffL;
            assertEquals(descriptor - data, size, name);
            names.add(name);
            at = descriptor + (hasZip64 ? 24 : 16);
        }
        assertEquals(0x02014b50, in.getInt(at), "central directory follows the last entry");
        return names;
    }

    private static int findDescriptor(ByteBuffer in, int from) {
        for (int i = from; i + 4 <= in.limit(); i++) {
            if (in.getInt(i) == 0x08074b50) {
                long size32 = in.getInt(i + 8) & 0xffffffffL;
                long size64 = i + 16 <= in.limit() ? in.getLong(i + 8) : -1;
                if (size32 == i - from || size64 == i - from) {
                    return i;
                }
            }
        }
        throw new AssertionError("no data descriptor after offset " + from);
    }

    private static List<Path> list(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** A strict reader of the protocol-2 opcodes our writer may emit; anything else fails the test. */
    static final class Pickle {
        final List<String> strings = new ArrayList<>();
        final List<String> globals = new ArrayList<>();
        final List<Double> floats = new ArrayList<>();

        static Pickle parse(byte[] b) {
            Pickle p = new Pickle();
            ByteBuffer in = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0x80, in.get() & 0xff);
            assertEquals(2, in.get());
            int depth = 0;
            while (true) {
                int op = in.get() & 0xff;
                switch (op) {
                    case '}', ')', 'R', 'Q', 0x85, 0x86, 0x87, 0x89 -> {
                    }
                    case '(' -> depth++;
                    case 't', 'u' -> depth--;
                    case 'X' -> {
                        byte[] s = new byte[in.getInt()];
                        in.get(s);
                        p.strings.add(new String(s, StandardCharsets.UTF_8));
                    }
                    case 'c' -> {
                        StringBuilder g = new StringBuilder();
                        int nl = 0;
                        while (nl < 2) {
                            char c = (char) in.get();
                            if (c == '\n') {
                                nl++;
                            }
                            if (nl < 2) {
                                g.append(c);
                            }
                        }
                        p.globals.add(g.toString());
                    }
                    case 'K' -> in.get();
                    case 'M' -> in.getShort();
                    case 'J' -> in.getInt();
                    case 0x8a -> in.position(in.position() + (in.get() & 0xff));
                    case 'G' -> p.floats.add(in.order(ByteOrder.BIG_ENDIAN).getDouble(in.position()));
                    case '.' -> {
                        assertEquals(0, depth, "unbalanced marks");
                        assertEquals(b.length, in.position(), "bytes after STOP");
                        return p;
                    }
                    default -> throw new AssertionError("unexpected pickle opcode 0x" + Integer.toHexString(op));
                }
                if (op == 'G') {
                    in.order(ByteOrder.LITTLE_ENDIAN).position(in.position() + 8);
                }
            }
        }
    }
}
