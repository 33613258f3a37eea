package dev.vlmesh.engine.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A conversion in a child JVM is killed with SIGKILL while it is writing the second pipeline stage; the output
 * directory must not exist, and a restart must keep the finished shards whose checksums are right, rewrite the one
 * whose file was damaged meanwhile and the unfinished ones, and end with a checkpoint that verifies.
 */
class ResumeAfterKillTest {

    @TempDir
    Path tmp;

    private static final String LLM = "[[1,1,1,1]]";

    @Test
    void killedMidWriteThenResumedRedoesOnlyMissingOrDamagedShards() throws Exception {
        Path src = ConvertFixtures.model(ConvertFixtures.B, "hf");
        int vit = SourceCheckpoint.readConfig(src).vision().layers();
        String vitPp = "[[" + vit + ",0,0,0]]";
        Path out = tmp.resolve("mm");
        Path staging = HfToMm.stagingDir(out);
        Path log = tmp.resolve("child.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                ConvertMain.class.getName(), "hf-to-mm", "--src", src.toString(), "--out", out.toString(),
                "--tp", "2", "--llm-pp", LLM, "--vit-pp", vitPp, "--torch-format", "--quiet",
                // slow enough to be caught in the middle of a shard
                "--throttle-mb-per-s", "0.15"));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path stage0Record = staging.resolve(".progress").resolve("mp_rank_01_000.json");
        Path stage1Dir = staging.resolve("release").resolve("mp_rank_00_001");
        boolean midWrite = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && child.isAlive()) {
            if (Files.isRegularFile(stage0Record) && partialWithData(stage1Dir)) {
                midWrite = true;
                break;
            }
            Thread.onSpinWait();
            child.waitFor(20, TimeUnit.MILLISECONDS);
        }
        child.destroyForcibly(); // SIGKILL
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue(midWrite, () -> "the child was not caught writing stage 1: " + read(log));
        assertFalse(Files.exists(out), "a killed conversion must not leave a visible checkpoint");
        assertFalse(Files.exists(staging.resolve(Manifest.FILE)));

        Path keep = staging.resolve("release/mp_rank_00_000/model.safetensors");
        Path damaged = staging.resolve("release/mp_rank_01_000/model_optim_rng.pt");
        Object keepKey = Files.readAttributes(keep, BasicFileAttributes.class).fileKey();
        long keepModified = Files.getLastModifiedTime(keep).toMillis();
        try (FileChannel ch = FileChannel.open(damaged, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x55}), Files.size(damaged) / 2);
        }

        HfToMm.Result r = HfToMm.convert(src, out, HfToMm.Options.of(new ParallelSpec(2,
                ParallelSpec.parseLayers(LLM), ParallelSpec.parseLayers(vitPp))).withTorchFormat(true));
        assertEquals(1, r.shardsSkipped(), "only mp_rank_00_000 was finished and intact");
        assertEquals(7, r.shardsWritten());
        Path kept = out.resolve("release/mp_rank_00_000/model.safetensors");
        assertEquals(keepKey, Files.readAttributes(kept, BasicFileAttributes.class).fileKey(), "shard was rewritten");
        assertEquals(keepModified, Files.getLastModifiedTime(kept).toMillis());
        assertFalse(Files.exists(staging));
        Verifier.Report report = Verifier.verify(out, src, false, tmp);
        assertTrue(report.ok(), () -> String.join("\n", report.problems()));
        try (var walk = Files.walk(out)) {
            assertTrue(walk.noneMatch(p -> p.getFileName().toString().endsWith(".partial")
                    || p.getFileName().toString().equals(".progress")));
        }
    }

    @Test
    void stoppedAfterTheManifestButBeforeTheRenameFinishesWithoutRewriting() throws Exception {
        Path src = ConvertFixtures.model(ConvertFixtures.C, "original");
        Path out = tmp.resolve("mm2");
        ParallelSpec spec = new ParallelSpec(2, List.of(List.of(2, 2)), List.of(List.of(2, 0)));
        HfToMm.Result first = HfToMm.convert(src, out, HfToMm.Options.of(spec));
        Files.move(out, HfToMm.stagingDir(out), StandardCopyOption.ATOMIC_MOVE); // as if killed before the rename
        HfToMm.Result again = HfToMm.convert(src, out, HfToMm.Options.of(spec));
        assertEquals(0, again.shardsWritten());
        assertEquals(first.manifest().planDigest(), again.manifest().planDigest());
        assertTrue(Verifier.verify(out, src, false, tmp).ok());
    }

    private static boolean partialWithData(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> {
                try {
                    return p.getFileName().toString().endsWith(".partial") && Files.size(p) > 4096;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(no log)";
        }
    }
}
