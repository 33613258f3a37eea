package dev.vlmesh.engine.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.checkpoint.SafetensorsWeightSource;
import dev.vlmesh.engine.checkpoint.StoredTensor;
import dev.vlmesh.engine.safetensors.SafetensorsEntry;
import dev.vlmesh.engine.safetensors.SafetensorsFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Converts every fixture checkpoint, in both layouts, under several parallel configs; checks the result with the
 * verifier (manifest checksums, MindSpeed-MM names and split shapes, shard tensors bit-identical to the source, merge
 * bit-identical, round trip back to the source's files byte for byte), and checks that the engine's weight seam sees
 * exactly the tensors it would read from the HuggingFace checkpoint.
 */
class FixtureConversionTest {

    @TempDir
    Path tmp;

    /** LLM configs for a 4-layer LLM and an n-layer ViT (every fixture's LLM has 4 layers). */
    private static List<Object[]> configs(int vitLayers, boolean tp2) {
        List<Object[]> c = new ArrayList<>();
        c.add(new Object[] {1, "[[4]]", "[[" + vitLayers + "]]", false});
        c.add(new Object[] {1, "[[1,1,1,1]]", "[[" + vitLayers + ",0,0,0]]", true});
        c.add(new Object[] {1, "[[0,2,2]]", "[[0," + vitLayers + ",0]]", false});
        c.add(new Object[] {1, "[[1,0],[1,2]]", "[[1,0],[" + (vitLayers - 1) + ",0]]", true});
        if (tp2) {
            c.add(new Object[] {2, "[[2,2]]", "[[" + vitLayers + ",0]]", false});
            c.add(new Object[] {2, "[[1,1,1,1]]", "[[" + vitLayers + ",0,0,0]]", true});
        }
        return c;
    }

    @TestFactory
    Stream<DynamicTest> everyFixtureLayoutAndConfigConvertsVerifiesAndRoundTrips() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : ConvertFixtures.ALL) {
            for (String layout : ConvertFixtures.LAYOUTS) {
                Path src = ConvertFixtures.model(model, layout);
                ModelConfig cfg = SourceCheckpoint.readConfig(src);
                boolean tp2 = cfg.text().kvHeads() % 2 == 0;
                int i = 0;
                for (Object[] c : configs(cfg.vision().layers(), tp2)) {
                    int n = i++;
                    String name = model + "/" + layout + " tp " + c[0] + " llm " + c[1] + " vit " + c[2]
                            + (((Boolean) c[3]) ? " +torch" : "");
                    tests.add(DynamicTest.dynamicTest(name, () -> convertAndVerify(src, tmp.resolve(model + "-"
                            + layout + "-" + n), (int) c[0], (String) c[1], (String) c[2], (Boolean) c[3])));
                }
            }
        }
        return tests.stream();
    }

    private static void convertAndVerify(Path src, Path out, int tp, String llm, String vit, boolean torch)
            throws Exception {
        ParallelSpec spec = new ParallelSpec(tp, ParallelSpec.parseLayers(llm), ParallelSpec.parseLayers(vit));
        HfToMm.Result r = HfToMm.convert(src, out, HfToMm.Options.of(spec).withTorchFormat(torch));
        assertEquals(spec.pp() * tp, r.shardsWritten());
        assertEquals("release", Files.readString(out.resolve("latest_checkpointed_iteration.txt"),
                StandardCharsets.US_ASCII));
        assertFalse(Files.exists(HfToMm.stagingDir(out)), "staging directory left behind");
        for (Manifest.Shard s : r.manifest().shards()) {
            assertTrue(Files.isRegularFile(out.resolve("release").resolve(s.dir()).resolve("model.safetensors")));
            assertEquals(torch, Files.isRegularFile(out.resolve("release").resolve(s.dir())
                    .resolve("model_optim_rng.pt")));
        }
        Verifier.Report report = Verifier.verify(out, src, true, out.getParent());
        assertTrue(report.ok(), () -> String.join("\n", report.problems()));
        assertTrue(report.checks().stream().anyMatch(x -> x.startsWith("round trip: all")), report.checks()::toString);
        assertTrue(report.checks().stream().anyMatch(x -> x.startsWith("forward: all")), report.checks()::toString);
        sameTensorsAsTheEngineReads(src, out);
    }

    /** The MindSpeed-MM reader gives the engine's loader every tensor, bit for bit, that the HF reader gives it. */
    private static void sameTensorsAsTheEngineReads(Path hf, Path mm) throws Exception {
        ModelConfig cfg = SourceCheckpoint.readConfig(hf);
        try (SafetensorsWeightSource a = SafetensorsWeightSource.open(hf, cfg.layout());
             MindSpeedCheckpoint b = MindSpeedCheckpoint.open(mm)) {
            assertEquals(new TreeSet<>(a.canonicalNames()), new TreeSet<>(b.canonicalNames()));
            for (String name : a.canonicalNames()) {
                StoredTensor x = a.find(name).orElseThrow();
                StoredTensor y = b.find(name).orElseThrow();
                assertEquals(x.dtype(), y.dtype(), name);
                assertArrayEquals(x.shape(), y.shape(), name);
                assertEquals(-1, x.data().mismatch(y.data()), name + " differs");
            }
        }
    }

    @Test
    void oddVitHeadsOverTwoRanksGiveTheUnevenShapesOfMindSpeedMm() throws Exception {
        // b: InternViT-6B style (q/k norm, RMSNorm without biases, no qkv bias) with an odd head count
        Path src = ConvertFixtures.model(ConvertFixtures.B, "hf");
        ModelConfig cfg = SourceCheckpoint.readConfig(src);
        long c = cfg.vision().hiddenSize();
        long vh = cfg.vision().heads();
        long hd = c / vh;
        long vi = cfg.vision().intermediateSize();
        long d = cfg.text().hiddenSize();
        long h = cfg.text().heads();
        long kv = cfg.text().kvHeads();
        long th = cfg.text().headDim();
        long ti = cfg.text().intermediateSize();
        long vocab = cfg.text().vocabSize();
        long positions = cfg.vision().positions();
        long patch = cfg.vision().patchSize();
        assertEquals(1, vh % 2, "fixture b must have an odd ViT head count");
        assertEquals(4, cfg.text().layers());
        int vitLayers = cfg.vision().layers();
        Path out = tmp.resolve("b-tp2");
        HfToMm.convert(src, out, HfToMm.Options.of(new ParallelSpec(2, List.of(List.of(1, 1, 1, 1)),
                List.of(List.of(vitLayers, 0, 0, 0)))));
        assertEquals(List.of("mp_rank_00_000", "mp_rank_00_001", "mp_rank_00_002", "mp_rank_00_003",
                "mp_rank_01_000", "mp_rank_01_001", "mp_rank_01_002", "mp_rank_01_003"), list(out.resolve("release")));
        for (int r = 0; r < 2; r++) {
            long heads = vh / 2 + (r < vh % 2 ? 1 : 0); // uneven: rank 0 gets the extra head
            Map<String, long[]> stage0 = new LinkedHashMap<>();
            String e = "image_encoder.encoder.embeddings.";
            stage0.put(e + "class_embedding", new long[] {1, 1, c});
            stage0.put(e + "position_embedding", new long[] {1, positions, c});
            stage0.put(e + "patch_embedding.weight", new long[] {c, 3, patch, patch});
            stage0.put(e + "patch_embedding.bias", new long[] {c});
            for (int l = 0; l < vitLayers; l++) {
                String p = "image_encoder.encoder.encoder.layers." + l + ".";
                stage0.put(p + "self_attention.linear_qkv.weight", new long[] {3 * heads * hd, c});
                stage0.put(p + "self_attention.linear_proj.weight", new long[] {c, heads * hd});
                stage0.put(p + "self_attention.linear_proj.bias", new long[] {c});
                stage0.put(p + "self_attention.q_layernorm.weight", new long[] {c});
                stage0.put(p + "self_attention.k_layernorm.weight", new long[] {c});
                stage0.put(p + "mlp.linear_fc1.weight", new long[] {vi / 2, c});
                stage0.put(p + "mlp.linear_fc1.bias", new long[] {vi / 2});
                stage0.put(p + "mlp.linear_fc2.weight", new long[] {c, vi / 2});
                stage0.put(p + "mlp.linear_fc2.bias", new long[] {c});
                stage0.put(p + "input_layernorm.weight", new long[] {c});
                stage0.put(p + "pre_mlp_layernorm.weight", new long[] {c});
                stage0.put(p + "ls1", new long[] {c});
                stage0.put(p + "ls2", new long[] {c});
            }
            String pj = "image_encoder.projector.";
            stage0.put(pj + "norm.weight", new long[] {4 * c});
            stage0.put(pj + "norm.bias", new long[] {4 * c});
            stage0.put(pj + "linear_fc1.weight", new long[] {d, 4 * c});
            stage0.put(pj + "linear_fc1.bias", new long[] {d});
            stage0.put(pj + "linear_fc2.weight", new long[] {d, d});
            stage0.put(pj + "linear_fc2.bias", new long[] {d});
            long vocabRows = vocab / 2 + (r < vocab % 2 ? 1 : 0);
            stage0.put("text_decoder.embedding.word_embeddings.weight", new long[] {vocabRows, d});
            Map<String, long[]> llmLayer = new LinkedHashMap<>();
            String t = "text_decoder.decoder.layers.0.";
            llmLayer.put(t + "self_attention.linear_qkv.weight", new long[] {(h + 2 * kv) * th / 2, d});
            llmLayer.put(t + "self_attention.linear_qkv.bias", new long[] {(h + 2 * kv) * th / 2});
            llmLayer.put(t + "self_attention.linear_proj.weight", new long[] {d, h * th / 2});
            llmLayer.put(t + "mlp.linear_fc1.weight", new long[] {ti, d}); // [gate_r; up_r]
            llmLayer.put(t + "mlp.linear_fc2.weight", new long[] {d, ti / 2});
            llmLayer.put(t + "input_layernorm.weight", new long[] {d});
            llmLayer.put(t + "pre_mlp_layernorm.weight", new long[] {d});
            stage0.putAll(llmLayer);
            assertShard(out, String.format("mp_rank_%02d_000", r), stage0);
            assertShard(out, String.format("mp_rank_%02d_001", r), llmLayer);
            assertShard(out, String.format("mp_rank_%02d_002", r), llmLayer);
            Map<String, long[]> stage3 = new LinkedHashMap<>(llmLayer);
            stage3.put("text_decoder.decoder.final_layernorm.weight", new long[] {d});
            stage3.put("text_decoder.output_layer.weight", new long[] {vocabRows, d});
            assertShard(out, String.format("mp_rank_%02d_003", r), stage3);
        }
    }

    @Test
    void vitQkvRowsOfTheLastRankAreItsHeadsRowsOfQKAndV() throws Exception {
        // the last rank of tp 2 holds the last H/2 heads: those rows of Q, of K and of V ([Q;K;V] is kept)
        Path src = ConvertFixtures.model(ConvertFixtures.B, "original");
        ModelConfig cfg = SourceCheckpoint.readConfig(src);
        long c = cfg.vision().hiddenSize();
        long hd = c / cfg.vision().heads();
        long first = (cfg.vision().heads() / 2 + cfg.vision().heads() % 2) * hd;
        Path out = tmp.resolve("b-orig-tp2");
        HfToMm.convert(src, out, HfToMm.Options.of(new ParallelSpec(2, List.of(List.of(4)),
                List.of(List.of(cfg.vision().layers())))));
        try (SourceCheckpoint s = SourceCheckpoint.open(src); MindSpeedCheckpoint mm = MindSpeedCheckpoint.open(out)) {
            TensorData shard = mm.shardTensor("mp_rank_01", "image_encoder.encoder.encoder.layers.1"
                    + ".self_attention.linear_qkv.weight");
            String vt = "model.vision_tower.encoder.layer.1.attention.";
            TensorData expected = TensorData.concatRows(List.of(
                    s.canonical().get(vt + "q_proj.weight").rows(first, c - first),
                    s.canonical().get(vt + "k_proj.weight").rows(first, c - first),
                    s.canonical().get(vt + "v_proj.weight").rows(first, c - first)));
            assertArrayEquals(expected.shape(), shard.shape());
            assertEquals(Verifier.sha256(expected.view()), Verifier.sha256(shard.view()));
        }
    }

    @Test
    void refusesTensorParallelismTheKvHeadsDoNotAllow() {
        // a has a single KV head: mm-convert's num_key_value_heads % tp check refuses tp 2
        Path src = ConvertFixtures.model(ConvertFixtures.A, "hf");
        ConversionException e = assertThrows(ConversionException.class, () -> HfToMm.convert(src,
                tmp.resolve("a-tp2"), HfToMm.Options.of(new ParallelSpec(2, List.of(List.of(4)),
                        List.of(List.of(2))))));
        assertEquals(ConversionException.Reason.BAD_PARALLEL_CONFIG, e.reason());
        assertTrue(e.getMessage().contains("1 KV heads"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("a-tp2")));
        assertFalse(Files.exists(HfToMm.stagingDir(tmp.resolve("a-tp2"))));
    }

    @Test
    void convertingAgainIntoTheSameDirectoryReturnsTheExistingVersion() throws Exception {
        Path src = ConvertFixtures.model(ConvertFixtures.C, "hf");
        Path out = tmp.resolve("c-twice");
        ParallelSpec spec = new ParallelSpec(2, List.of(List.of(2, 2)), List.of(List.of(2, 0)));
        HfToMm.Result first = HfToMm.convert(src, out, HfToMm.Options.of(spec));
        HfToMm.Result again = HfToMm.convert(src, out, HfToMm.Options.of(spec));
        assertTrue(again.reused());
        assertEquals(first.manifest().planDigest(), again.manifest().planDigest());
        ConversionException e = assertThrows(ConversionException.class, () -> HfToMm.convert(src, out,
                HfToMm.Options.of(new ParallelSpec(1, List.of(List.of(4)), List.of(List.of(2))))));
        assertTrue(e.getMessage().contains("already holds another conversion"), e.getMessage());
    }

    @Test
    void manifestListsEveryTensorShapeDtypeShardAndFile() throws Exception {
        Path src = ConvertFixtures.model(ConvertFixtures.C, "original");
        Path out = tmp.resolve("c-manifest");
        HfToMm.Result r = HfToMm.convert(src, out, HfToMm.Options.of(new ParallelSpec(2, List.of(List.of(2, 2)),
                List.of(List.of(2, 0)))).withTorchFormat(true));
        Manifest m = Manifest.read(out.resolve("manifest.json"));
        assertEquals(r.manifest().planDigest(), m.planDigest());
        assertEquals(HfToMm.CONVERTER_VERSION, m.converterVersion());
        assertEquals("original", m.source().layout());
        assertEquals(SourceDigest.compute(src, SourceCheckpoint.open(src).allFiles()).digest(), m.source().digest());
        assertEquals(new Manifest.Parallel(2, 2, 1, List.of(List.of(2, 2)), List.of(List.of(2, 0)), "torch"),
                m.parallel());
        for (Manifest.Shard s : m.shards()) {
            Map<String, SafetensorsEntry> header = SafetensorsFile.readHeader(out.resolve("release").resolve(s.dir())
                    .resolve("model.safetensors"));
            assertEquals(new ArrayList<>(header.keySet()), s.tensors().stream().map(Manifest.Tensor::name).toList());
            for (Manifest.Tensor t : s.tensors()) {
                assertEquals(header.get(t.name()).dtype(), t.dtype());
                assertArrayEquals(header.get(t.name()).shape(), t.shape());
            }
            assertEquals(2, s.files().size());
        }
        List<String> onDisk = new ArrayList<>();
        try (var walk = Files.walk(out)) {
            walk.filter(Files::isRegularFile).forEach(p -> onDisk.add(out.relativize(p).toString()));
        }
        onDisk.remove("manifest.json");
        assertEquals(new TreeSet<>(onDisk), new TreeSet<>(m.files().stream().map(FileDigest::path).toList()));
        for (FileDigest f : m.files()) {
            assertEquals(f.sha256(), Verifier.sha256(out.resolve(f.path())), f.path());
        }
    }

    @Test
    void sourceFileHashesMatchTheFixtureManifest() throws Exception {
        // tools/reference/generate hashed every fixture file with Python's hashlib; ours must agree
        var manifest = Manifest.json().readTree(ConvertFixtures.fixturesRoot().resolve("manifest.json").toFile());
        Map<String, String> expected = new TreeMap<>();
        manifest.get("files").forEach(f -> expected.put(f.get("path").asText(), f.get("sha256").asText()));
        for (String model : ConvertFixtures.ALL) {
            for (String layout : ConvertFixtures.LAYOUTS) {
                Path dir = ConvertFixtures.model(model, layout);
                try (SourceCheckpoint src = SourceCheckpoint.open(dir)) {
                    SourceDigest d = SourceDigest.compute(dir, src.allFiles());
                    assertEquals(src.allFiles().size(), d.files().size());
                    for (FileDigest f : d.files()) {
                        assertEquals(expected.get("models/" + model + "/" + layout + "/" + f.path()), f.sha256(),
                                model + "/" + layout + "/" + f.path());
                    }
                }
            }
        }
    }

    private static void assertShard(Path out, String dir, Map<String, long[]> expected) throws Exception {
        Map<String, SafetensorsEntry> h = SafetensorsFile.readHeader(out.resolve("release").resolve(dir)
                .resolve("model.safetensors"));
        Map<String, String> want = new TreeMap<>();
        expected.forEach((k, v) -> want.put(k, Arrays.toString(v)));
        Map<String, String> got = new TreeMap<>();
        h.forEach((k, v) -> got.put(k, v.shapeString()));
        assertEquals(want, got, dir);
    }

    private static List<String> list(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
