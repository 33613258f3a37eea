package dev.vlmesh.engine.convert;

import dev.vlmesh.engine.convert.ConversionPlan.PlannedTensor;
import dev.vlmesh.engine.convert.ConversionPlan.Shard;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a converted checkpoint: every file against the manifest's SHA-256, the shard structure against the
 * MindSpeed-MM rules (names, shapes, splits; done by {@link MindSpeedCheckpoint#open}), replicated tensors equal on
 * every tensor-parallel rank, and — given the HuggingFace source — every shard tensor bit-identical to what the plan
 * derives from the source, every merged canonical tensor bit-identical to the source's, and a round trip through
 * {@link MmToHf} giving back the source's files (or, if their bytes differ, its tensors).
 */
public final class Verifier {

    /** What was checked and what was wrong; {@link #ok()} when nothing was. */
    public record Report(List<String> checks, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final List<String> checks = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    private Verifier() {
    }

    /**
     * @param hfDir     the source checkpoint to compare with, or null to check the converted checkpoint alone
     * @param roundTrip export back to the HuggingFace layout under {@code workDir} and compare with {@code hfDir}
     */
    public static Report verify(Path mmDir, Path hfDir, boolean roundTrip, Path workDir) throws ConversionException {
        return verify(mmDir, hfDir, roundTrip, workDir, null);
    }

    /** @param knownDigest the source's digest if the caller computed it already (hashed while downloading) */
    public static Report verify(Path mmDir, Path hfDir, boolean roundTrip, Path workDir, SourceDigest knownDigest)
            throws ConversionException {
        Verifier v = new Verifier();
        v.knownDigest = knownDigest;
        v.run(mmDir, hfDir, roundTrip, workDir);
        return new Report(List.copyOf(v.checks), List.copyOf(v.problems));
    }

    private SourceDigest knownDigest;

    private void run(Path mmDir, Path hfDir, boolean roundTrip, Path workDir) throws ConversionException {
        try {
            Path manifestFile = mmDir.resolve(Manifest.FILE);
            if (!Files.isRegularFile(manifestFile)) {
                problems.add("no " + Manifest.FILE + ": the checkpoint is incomplete or was not written by vlmesh");
            } else {
                checkFiles(mmDir, Manifest.read(manifestFile));
            }
            try (MindSpeedCheckpoint mm = MindSpeedCheckpoint.open(mmDir)) {
                checks.add("structure: " + mm.spec().canonical() + ", " + mm.canonical().size()
                        + " canonical tensors; every shard tensor has the MindSpeed-MM name and split shape");
                checkReplicas(mm);
                if (hfDir != null) {
                    try (SourceCheckpoint src = SourceCheckpoint.open(hfDir)) {
                        compareWithSource(mm, src);
                        if (roundTrip) {
                            roundTrip(mm, src, workDir);
                        }
                    }
                }
            }
        } catch (ConversionException e) {
            throw e;
        } catch (IOException e) {
            throw new ConversionException(ConversionException.Reason.IO_ERROR, "verification failed to read: "
                    + e.getMessage(), e);
        }
    }

    private void checkFiles(Path mmDir, Manifest m) throws IOException {
        Set<String> listed = new HashSet<>();
        int bad = 0;
        for (FileDigest f : m.files()) {
            listed.add(f.path());
            Path p = mmDir.resolve(f.path()).normalize();
            if (!p.startsWith(mmDir.normalize()) || !Files.isRegularFile(p)) {
                problems.add("file " + f.path() + " listed in the manifest is missing");
                bad++;
            } else if (Files.size(p) != f.size()) {
                problems.add("file " + f.path() + " has " + Files.size(p) + " bytes, the manifest says " + f.size());
                bad++;
            } else if (!sha256(p).equals(f.sha256())) {
                problems.add("file " + f.path() + " has SHA-256 " + sha256(p) + ", the manifest says " + f.sha256());
                bad++;
            }
        }
        Path release = mmDir.resolve(HfToMm.RELEASE);
        if (Files.isDirectory(release)) {
            try (var walk = Files.walk(release)) {
                for (Path p : walk.filter(Files::isRegularFile).toList()) {
                    String rel = mmDir.relativize(p).toString().replace('\\', '/');
                    if (!listed.contains(rel)) {
                        problems.add("file " + rel + " is not in the manifest");
                        bad++;
                    }
                }
            }
        }
        if (bad == 0) {
            checks.add("files: " + m.files().size() + " files match the manifest's sizes and SHA-256");
        }
    }

    private void checkReplicas(MindSpeedCheckpoint mm) {
        int n = 0;
        for (Map.Entry<String, List<MindSpeedCheckpoint.ShardTensor>> e : mm.replicas().entrySet()) {
            String first = sha256(e.getValue().getFirst().data().view());
            for (MindSpeedCheckpoint.ShardTensor t : e.getValue()) {
                if (!sha256(t.data().view()).equals(first)) {
                    problems.add("replicated tensor " + t.name() + " differs on " + t.shardDir());
                }
            }
            n++;
        }
        if (n > 0) {
            checks.add("replicas: " + n + " replicated tensors are identical on every tensor-parallel rank");
        }
    }

    private void compareWithSource(MindSpeedCheckpoint mm, SourceCheckpoint src) throws IOException {
        Manifest man = mm.manifest();
        if (man != null) {
            SourceDigest sd = knownDigest != null ? knownDigest : SourceDigest.compute(src.dir(), src.allFiles());
            if (!sd.digest().equals(man.source().digest())) {
                problems.add("source digest " + sd.digest() + " differs from the manifest's " + man.source().digest()
                        + ": the checkpoint was converted from other files");
            } else {
                checks.add("source: digest matches the manifest (" + sd.digest() + ")");
            }
        }
        ConversionPlan plan = ConversionPlan.of(src, mm.spec());
        int tensors = 0;
        int before = problems.size();
        {
            for (Shard s : plan.shards()) {
                for (PlannedTensor t : s.tensors()) {
                    TensorData stored = mm.shardTensor(s.dir(), t.name());
                    if (stored == null || !stored.dtype().equals(t.data().dtype())
                            || !java.util.Arrays.equals(stored.shape(), t.data().shape())) {
                        problems.add(s.dir() + "/" + t.name() + ": expected " + t.data() + ", found " + stored);
                    } else if (!sha256(stored.view()).equals(sha256(t.data().view()))) {
                        problems.add(s.dir() + "/" + t.name() + ": bytes differ from the source");
                    }
                    tensors++;
                }
            }
        }
        if (problems.size() == before) {
            checks.add("forward: all " + tensors + " shard tensors are bit-identical to the plan derived from "
                    + src.dir());
        }
        before = problems.size();
        Set<String> srcNames = new TreeSet<>(src.canonical().keySet());
        Set<String> mmNames = new TreeSet<>(mm.canonical().keySet());
        if (!srcNames.equals(mmNames)) {
            Set<String> missing = new TreeSet<>(srcNames);
            missing.removeAll(mmNames);
            Set<String> extra = new TreeSet<>(mmNames);
            extra.removeAll(srcNames);
            problems.add("canonical tensors differ: missing " + missing + ", extra " + extra);
        }
        for (String name : srcNames) {
            TensorData a = src.canonical().get(name);
            TensorData b = mm.canonical().get(name);
            if (b == null) {
                continue;
            }
            if (!a.dtype().equals(b.dtype()) || !java.util.Arrays.equals(a.shape(), b.shape())) {
                problems.add(name + ": source " + a + ", merged " + b);
            } else if (!sha256(a.view()).equals(sha256(b.view()))) {
                problems.add(name + ": merged bytes differ from the source");
            }
        }
        if (problems.size() == before) {
            checks.add("merge: all " + srcNames.size() + " canonical tensors merged from the shards are "
                    + "bit-identical to the source");
        }
    }

    private void roundTrip(MindSpeedCheckpoint mm, SourceCheckpoint src, Path workDir) throws IOException {
        Path out = workDir.resolve("roundtrip-" + Long.toHexString(System.nanoTime()));
        try {
            MmToHf.Result r = MmToHf.export(mm, out, src.layout());
            int identical = 0;
            List<String> differing = new ArrayList<>();
            for (String f : src.allFiles()) {
                Path a = src.dir().resolve(f);
                Path b = out.resolve(f);
                if (Files.isRegularFile(b) && sha256(a).equals(sha256(b))) {
                    identical++;
                } else {
                    differing.add(f);
                }
            }
            if (differing.isEmpty()) {
                checks.add("round trip: all " + identical + " source files rebuilt byte for byte");
                return;
            }
            // The file bytes may legitimately differ (e.g. a source written by another safetensors writer); the
            // tensors must not.
            try (SourceCheckpoint back = SourceCheckpoint.open(out)) {
                int before = problems.size();
                if (!back.canonical().keySet().equals(src.canonical().keySet())) {
                    problems.add("round trip: tensor names differ");
                }
                for (Map.Entry<String, TensorData> e : src.canonical().entrySet()) {
                    TensorData b = back.canonical().get(e.getKey());
                    if (b == null || !b.dtype().equals(e.getValue().dtype())
                            || !java.util.Arrays.equals(b.shape(), e.getValue().shape())
                            || !sha256(b.view()).equals(sha256(e.getValue().view()))) {
                        problems.add("round trip: " + e.getKey() + " differs");
                    }
                }
                if (problems.size() == before) {
                    checks.add("round trip: all " + src.canonical().size() + " tensors bit-identical ("
                            + identical + " files byte-identical; " + differing + " differ in layout only)");
                }
            }
            r.files();
        } finally {
            Fsync.deleteTree(out);
        }
    }

    /** SHA-256 of a file, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest sha = HashingFile.sha256();
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (true) {
                buf.clear();
                if (ch.read(buf) < 0) {
                    break;
                }
                buf.flip();
                sha.update(buf);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** SHA-256 of the bytes a view streams. */
    public static String sha256(ByteView view) {
        MessageDigest sha = HashingFile.sha256();
        try {
            view.emitAll((src, off, len) -> {
                for (long done = 0; done < len; done += 1 << 30) {
                    long n = Math.min(1 << 30, len - done);
                    sha.update(src.asSlice(off + done, n).asByteBuffer());
                }
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        TensorStreamer.release(view);
        return HexFormat.of().formatHex(sha.digest());
    }

    static boolean equalBytes(MemorySegment a, MemorySegment b) {
        return a.byteSize() == b.byteSize() && a.mismatch(b) < 0;
    }
}
