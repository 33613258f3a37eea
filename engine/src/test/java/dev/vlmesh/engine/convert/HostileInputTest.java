package dev.vlmesh.engine.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vlmesh.engine.convert.ConversionException.Reason;
import dev.vlmesh.engine.safetensors.SafetensorsEntry;
import dev.vlmesh.engine.safetensors.SafetensorsFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad or hostile checkpoints are refused before anything is written, with a stable reason and a useful message. */
class HostileInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path copy(String model, String layout) throws Exception {
        Path src = ConvertFixtures.model(model, layout);
        Path dst = tmp.resolve(model + "-" + layout + "-" + System.nanoTime());
        Files.createDirectories(dst);
        try (var s = Files.list(src)) {
            for (Path p : s.toList()) {
                Files.copy(p, dst.resolve(p.getFileName()));
            }
        }
        return dst;
    }

    private ConversionException refused(Path src, Reason reason, String... fragments) {
        Path out = tmp.resolve("out-" + System.nanoTime());
        ConversionException e = assertThrows(ConversionException.class, () -> HfToMm.convert(src, out,
                HfToMm.Options.of(null)));
        assertEquals(reason, e.reason(), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "'" + f + "' not in: " + e.getMessage());
        }
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(HfToMm.stagingDir(out)), "nothing may be written for a refused source");
        return e;
    }

    /** Rewrites a safetensors file keeping the tensors {@code keep} accepts, plus {@code extra} zero tensors. */
    private static void rewrite(Path file, Predicate<String> keep, Map<String, long[]> extra, String extraDtype)
            throws Exception {
        Path tmpFile = file.resolveSibling("rewrite.tmp");
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile st = SafetensorsFile.open(file, arena);
            List<SafetensorsShardWriter.Entry> entries = new ArrayList<>();
            List<MemorySegment> data = new ArrayList<>();
            for (SafetensorsEntry e : st.entries().values()) {
                if (keep.test(e.name())) {
                    entries.add(new SafetensorsShardWriter.Entry(e.name(), e.dtype(), e.shape()));
                    data.add(st.data(e));
                }
            }
            for (Map.Entry<String, long[]> x : extra.entrySet()) {
                entries.add(new SafetensorsShardWriter.Entry(x.getKey(), extraDtype, x.getValue()));
                data.add(MemorySegment.ofArray(new byte[(int) Dtypes.byteSize(extraDtype, x.getValue())]));
            }
            try (SafetensorsShardWriter w = SafetensorsShardWriter.create(tmpFile.getParent(),
                    tmpFile.getFileName().toString(), entries, Map.of("format", "pt"))) {
                for (int i = 0; i < entries.size(); i++) {
                    w.beginTensor(i);
                    w.write(data.get(i).asByteBuffer());
                    w.endTensor();
                }
                w.finish();
            }
        }
        Files.move(tmpFile, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void editConfig(Path dir, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        edit.accept(root);
        Files.write(dir.resolve("config.json"), JSON.writeValueAsBytes(root));
    }

    @Test
    void pickleOnlyCheckpointsAreNeverLoaded() throws Exception {
        Path dir = copy(ConvertFixtures.A, "hf");
        Files.delete(dir.resolve("model.safetensors"));
        // a pickle whose loading would run os.system: it must not even be opened
        Files.write(dir.resolve("pytorch_model.bin"), "cos\nsystem\n(S'touch /tmp/pwned'\ntR.".getBytes(
                StandardCharsets.US_ASCII));
        refused(dir, Reason.UNSUPPORTED_FORMAT, "pytorch_model.bin", "arbitrary code");
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        Path dir = copy(ConvertFixtures.B, "original");
        rewrite(dir.resolve("model.safetensors"), n -> !n.equals("language_model.model.layers.2.mlp.up_proj.weight"),
                Map.of(), null);
        refused(dir, Reason.MISSING_TENSOR, "language_model.model.layers.2.mlp.up_proj.weight");
    }

    @Test
    void shapeMismatchNamesTheTensorAndBothShapes() throws Exception {
        Path dir = copy(ConvertFixtures.A, "hf");
        editConfig(dir, c -> {
            ObjectNode t = (ObjectNode) c.get("text_config");
            t.put("intermediate_size", t.get("intermediate_size").asInt() + 8);
        });
        refused(dir, Reason.SHAPE_MISMATCH, "gate_proj.weight", "config.json requires");
    }

    @Test
    void internLmLlmIsAnUnsupportedArchitecture() throws Exception {
        Path dir = copy(ConvertFixtures.A, "original");
        editConfig(dir, c -> {
            ObjectNode l = (ObjectNode) c.get("llm_config");
            l.putArray("architectures").add("InternLM2ForCausalLM");
            l.put("model_type", "internlm2");
        });
        refused(dir, Reason.UNSUPPORTED_ARCHITECTURE, "InternLM");
    }

    @Test
    void tensorsOfAnotherArchitectureAreRefused() throws Exception {
        Path dir = copy(ConvertFixtures.A, "hf");
        rewrite(dir.resolve("model.safetensors"), n -> true,
                Map.of("language_model.model.layers.0.self_attn.rotary_emb.inv_freq", new long[] {4}), "F32");
        refused(dir, Reason.UNSUPPORTED_ARCHITECTURE, "rotary_emb.inv_freq");
    }

    @Test
    void integerTensorsAreRefused() throws Exception {
        Path dir = copy(ConvertFixtures.A, "hf");
        rewriteWithRawDtype(dir.resolve("model.safetensors"), "language_model.model.norm.weight", "I64");
        refused(dir, Reason.UNSUPPORTED_FORMAT, "I64");
    }

    /** Relabels a tensor as a 64-bit integer one over the same bytes. */
    private static void rewriteWithRawDtype(Path file, String name, String dtype) throws Exception {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) b.getLong(0);
        ObjectNode h = (ObjectNode) JSON.readTree(new String(all, 8, n, StandardCharsets.UTF_8));
        ObjectNode t = (ObjectNode) h.get(name);
        long bytes = t.get("data_offsets").get(1).asLong() - t.get("data_offsets").get(0).asLong();
        t.put("dtype", dtype); // same bytes, read as 8-byte integers
        t.putArray("shape").add(bytes / 8);
        byte[] json = JSON.writeValueAsBytes(h);
        int padded = (json.length + 7) & ~7;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + all.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        while (out.position() < 8 + padded) {
            out.put((byte) ' ');
        }
        out.put(all, 8 + n, all.length - 8 - n);
        Files.write(file, out.array());
    }

    @Test
    void truncatedAndForgedFilesAreCorrupt() throws Exception {
        Path dir = copy(ConvertFixtures.A, "hf");
        Path f = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 1000));
        refused(dir, Reason.CORRUPT_FILE, "truncated");
        ByteBuffer forged = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE - 3);
        Files.write(f, forged.array());
        refused(dir, Reason.CORRUPT_FILE, "header length");
    }

    @Test
    void indexPointingOutsideTheDirectoryIsRefused() throws Exception {
        Path dir = copy(ConvertFixtures.C, "hf");
        Path index = dir.resolve("model.safetensors.index.json");
        ObjectNode root = (ObjectNode) JSON.readTree(index.toFile());
        ObjectNode map = (ObjectNode) root.get("weight_map");
        String first = map.fieldNames().next();
        map.put(first, "../../outside.safetensors");
        Files.write(index, JSON.writeValueAsBytes(root));
        refused(dir, Reason.CORRUPT_FILE, "outside.safetensors");
    }

    @Test
    void symbolicLinksAreNotFollowedAndNothingElseIsASource() throws Exception {
        Path dir = tmp.resolve("links");
        Files.createDirectories(dir);
        Path real = ConvertFixtures.model(ConvertFixtures.A, "hf");
        Files.copy(real.resolve("config.json"), dir.resolve("config.json"));
        Files.createSymbolicLink(dir.resolve("model.safetensors"), real.resolve("model.safetensors"));
        refused(dir, Reason.SOURCE_NOT_FOUND, "no *.safetensors");
        refused(tmp.resolve("does-not-exist"), Reason.SOURCE_NOT_FOUND);
        Path noConfig = tmp.resolve("no-config");
        Files.createDirectories(noConfig);
        refused(noConfig, Reason.SOURCE_NOT_FOUND, "config.json");
    }

    @Test
    void damagedMindSpeedCheckpointsAreRefusedByTheReader() throws Exception {
        Path src = ConvertFixtures.model(ConvertFixtures.A, "hf");
        Path mm = tmp.resolve("mm");
        HfToMm.convert(src, mm, HfToMm.Options.of(new ParallelSpec(1, List.of(List.of(2, 2)),
                List.of(List.of(2, 0)))).withTorchFormat(true));
        Path shard0 = mm.resolve("release/mp_rank_00_000/model.safetensors");
        Path shard1 = mm.resolve("release/mp_rank_00_001/model.safetensors");
        byte[] keep0 = Files.readAllBytes(shard0);

        rewrite(shard0, n -> !n.equals("text_decoder.decoder.layers.1.mlp.linear_fc2.weight"), Map.of(), null);
        assertReader(mm, Reason.MISSING_TENSOR, "text_decoder.decoder.layers.1.mlp.linear_fc2.weight");
        Files.write(shard0, keep0);

        rewrite(shard1, n -> true, Map.of("text_decoder.decoder.layers.0.extra", new long[] {2}), "F32");
        assertReader(mm, Reason.CORRUPT_FILE, "text_decoder.decoder.layers.0.extra");
        Files.delete(shard1);
        assertReader(mm, Reason.UNSUPPORTED_FORMAT, "pickle");

        Files.writeString(mm.resolve("latest_checkpointed_iteration.txt"), "../../etc");
        assertReader(mm, Reason.CORRUPT_FILE, "release");
    }

    private static void assertReader(Path mm, Reason reason, String fragment) {
        ConversionException e = assertThrows(ConversionException.class, () -> MindSpeedCheckpoint.open(mm).close());
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
