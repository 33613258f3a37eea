package dev.vlmesh.infer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The file list of a checkpoint version's {@code manifest.json} ({@code files[]} with {@code path}, {@code size},
 * {@code sha256}, paths relative to the version folder and possibly nested, e.g.
 * {@code release/mp_rank_01_000/model.safetensors}): what the worker downloads and verifies. The rest of the
 * manifest (tensors, parallel config) is the engine's business. Paths must stay inside the version's folder.
 */
public record CheckpointFiles(List<Entry> files) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public record Entry(String path, long size, String sha256) {
    }

    public static CheckpointFiles parse(byte[] manifest) throws IOException {
        JsonNode root = JSON.readTree(manifest);
        if (root == null || !root.path("files").isArray() || root.path("files").isEmpty()) {
            throw new IOException("manifest has no files[] list");
        }
        List<Entry> out = new ArrayList<>();
        for (JsonNode f : root.get("files")) {
            String path = f.path("path").asText("");
            String sha = f.path("sha256").asText("");
            long size = f.path("size").asLong(-1);
            if (!safe(path)) {
                throw new IOException("manifest lists an unsafe path '" + path + "'");
            }
            if (!HEX64.matcher(sha).matches()) {
                throw new IOException("manifest entry " + path + " has no lower-case hex sha256");
            }
            if (size < 0) {
                throw new IOException("manifest entry " + path + " has no size");
            }
            out.add(new Entry(path, size, sha));
        }
        return new CheckpointFiles(List.copyOf(out));
    }

    static boolean safe(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.contains("\0")) {
            return false;
        }
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        Path p = Path.of(path).normalize();
        return !p.isAbsolute() && !p.startsWith("..");
    }

    /**
     * The files the worker downloads and verifies: all but PyTorch pickles. The engine never loads a pickle (it can
     * run code); with the {@code torch} output format convert-service writes each shard's
     * {@code model_optim_rng.pt} beside its {@code model.safetensors}, which is what the engine reads, so fetching
     * the pickles would only double the download.
     */
    public List<Entry> fetched() {
        return files.stream().filter(f -> !isPickle(f.path())).toList();
    }

    static boolean isPickle(String path) {
        return path.endsWith(".pt") || path.endsWith(".pth");
    }

    public long totalBytes() {
        return files.stream().mapToLong(Entry::size).sum();
    }

    public long fetchedBytes() {
        return fetched().stream().mapToLong(Entry::size).sum();
    }
}
