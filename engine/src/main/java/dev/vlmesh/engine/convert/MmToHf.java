package dev.vlmesh.engine.convert;

import dev.vlmesh.engine.checkpoint.CheckpointLayout;
import dev.vlmesh.engine.checkpoint.KeyMapping;
import dev.vlmesh.engine.convert.ConversionException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * MindSpeed-MM layout → HuggingFace layout (the original OpenGVLab naming by default, or the "-hf" naming). When the
 * checkpoint's manifest describes the source it came from and the same layout is asked for, the source's files are
 * rebuilt exactly: same file split, same tensor order, same metadata, same index — a round trip gives back the
 * original bytes. Otherwise every tensor goes to one {@code model.safetensors}. Config and tokenizer files are copied
 * back. The output appears atomically (written in {@code out.partial}, then renamed).
 */
public final class MmToHf {

    public record Result(Path dir, CheckpointLayout layout, List<FileDigest> files) {
    }

    private MmToHf() {
    }

    /** @param layout target naming, or null for the source's own layout (original if unknown) */
    public static Result export(Path mmDir, Path out, CheckpointLayout layout) throws ConversionException {
        try (MindSpeedCheckpoint mm = MindSpeedCheckpoint.open(mmDir)) {
            return export(mm, out, layout);
        }
    }

    public static Result export(MindSpeedCheckpoint mm, Path out, CheckpointLayout layout) throws ConversionException {
        Manifest man = mm.manifest();
        CheckpointLayout sourceLayout = man == null ? null
                : CheckpointLayout.valueOf(man.source().layout().toUpperCase(Locale.ROOT));
        CheckpointLayout target = layout != null ? layout : sourceLayout != null ? sourceLayout
                : CheckpointLayout.ORIGINAL;
        Map<String, List<String>> files; // file name -> stored names in order
        Map<String, Map<String, String>> metadata = new LinkedHashMap<>();
        boolean index;
        if (man != null && target == sourceLayout) {
            files = new LinkedHashMap<>();
            for (Manifest.WeightFile w : man.source().weightFiles()) {
                files.put(w.path(), w.tensors());
                metadata.put(w.path(), w.metadata());
            }
            index = man.source().indexed();
        } else {
            files = Map.of("model.safetensors", storedNames(mm, target));
            metadata.put("model.safetensors", Map.of("format", "pt"));
            index = false;
        }
        Path dest = out.toAbsolutePath().normalize();
        if (Files.exists(dest)) {
            throw new ConversionException(Reason.VERIFICATION_FAILED, dest + " already exists");
        }
        Path staging = HfToMm.stagingDir(dest);
        try {
            Fsync.deleteTree(staging);
            Files.createDirectories(staging);
            List<FileDigest> written = new ArrayList<>();
            TensorStreamer streamer = new TensorStreamer(TensorStreamer.DEFAULT_STAGING, 0, n -> {
            });
            Map<String, String> weightMap = new TreeMap<>();
            for (Map.Entry<String, List<String>> f : files.entrySet()) {
                List<SafetensorsShardWriter.Entry> entries = new ArrayList<>();
                List<TensorData> data = new ArrayList<>();
                for (String stored : f.getValue()) {
                    TensorData t = assemble(mm, target, stored);
                    entries.add(new SafetensorsShardWriter.Entry(stored, t.dtype(), t.shape()));
                    data.add(t);
                    weightMap.put(stored, f.getKey());
                }
                try (SafetensorsShardWriter w = SafetensorsShardWriter.create(staging, f.getKey(), entries,
                        metadata.get(f.getKey()))) {
                    for (int i = 0; i < data.size(); i++) {
                        w.beginTensor(i);
                        streamer.write(data.get(i).view(), List.of(w));
                        w.endTensor();
                    }
                    streamer.drain();
                    data.forEach(d -> TensorStreamer.release(d.view()));
                    written.add(w.finish());
                }
            }
            if (index && !files.isEmpty()) {
                written.add(writeIndex(staging, man, weightMap, mm));
            }
            written.addAll(copySideFiles(mm, staging));
            Files.move(staging, dest, StandardCopyOption.ATOMIC_MOVE);
            Fsync.directory(dest.getParent());
            return new Result(dest, target, written);
        } catch (ConversionException e) {
            throw e;
        } catch (IOException e) {
            throw new ConversionException(Reason.IO_ERROR, "writing " + dest + " failed: " + e.getMessage(), e);
        }
    }

    /** The stored tensor {@code name} of {@code layout}, from its canonical parts (the ViT qkv is re-fused). */
    static TensorData assemble(MindSpeedCheckpoint mm, CheckpointLayout layout, String stored)
            throws ConversionException {
        List<KeyMapping.Part> parts = KeyMapping.map(layout, stored);
        if (parts.isEmpty()) {
            throw new ConversionException(Reason.CORRUPT_FILE, "manifest lists source tensor '" + stored
                    + "', which is not an InternVL3 tensor");
        }
        List<TensorData> data = new ArrayList<>();
        for (KeyMapping.Part p : parts) {
            TensorData t = mm.canonical().get(p.canonicalName());
            if (t == null) {
                throw new ConversionException(Reason.MISSING_TENSOR, mm.dir() + " has no tensor for '" + stored
                        + "' (" + p.canonicalName() + ")");
            }
            data.add(t);
        }
        return data.size() == 1 ? data.getFirst() : TensorData.concatRows(data);
    }

    /** Stored names of every canonical tensor in {@code layout}; the q/k/v of a ViT layer share one name there. */
    static List<String> storedNames(MindSpeedCheckpoint mm, CheckpointLayout layout) {
        List<String> names = new ArrayList<>();
        for (String c : mm.canonical().keySet()) {
            String s = KeyMapping.storedNameHint(layout, c);
            if (!names.contains(s)) {
                names.add(s);
            }
        }
        return names;
    }

    private static FileDigest writeIndex(Path staging, Manifest man, Map<String, String> weightMap,
                                         MindSpeedCheckpoint mm) throws IOException {
        String name = SourceCheckpoint.INDEX_FILE;
        Path saved = mm.dir().resolve(HfToMm.SOURCE_INDEX_COPY);
        byte[] data;
        if (Files.isRegularFile(saved, LinkOption.NOFOLLOW_LINKS)) {
            data = Files.readAllBytes(saved); // the source's own index, byte for byte
        } else {
            long total = 0;
            for (TensorData t : mm.canonical().values()) {
                total += t.byteSize();
            }
            var root = Manifest.json().createObjectNode();
            root.putObject("metadata").put("total_size", total);
            root.set("weight_map", Manifest.json().valueToTree(weightMap));
            data = Manifest.json().writeValueAsBytes(root);
        }
        Fsync.writeAtomically(staging.resolve(name), data);
        return new FileDigest(name, data.length, HfToMm.sha256Hex(data));
    }

    private static List<FileDigest> copySideFiles(MindSpeedCheckpoint mm, Path staging) throws IOException {
        List<FileDigest> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (mm.manifest() != null) {
            for (FileDigest f : mm.manifest().files()) {
                if (!f.path().contains("/") && !SourceCheckpoint.RESERVED_NAMES.contains(f.path())
                        && !f.path().equals(HfToMm.SOURCE_INDEX_COPY)) {
                    names.add(f.path());
                }
            }
        } else if (Files.isRegularFile(mm.dir().resolve("config.json"))) {
            names.add("config.json");
        }
        for (String n : names) {
            byte[] data = Files.readAllBytes(mm.dir().resolve(n));
            Fsync.writeAtomically(staging.resolve(n), data);
            out.add(new FileDigest(n, data.length, HfToMm.sha256Hex(data)));
        }
        return out;
    }
}
