package dev.vlmesh.engine.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Access to the reference fixtures in {@code engine/src/test/resources/fixtures} for the input-side tests
 * (tokenizer, preprocessing, prompts, video sampling), plus the two formats they use: JSON and safetensors.
 */
public final class InputFixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private InputFixtures() {
    }

    /** The fixture root; fails with a clear message when the fixtures are not there. */
    public static Path root() {
        String repo = System.getProperty("vlmesh.repo.root");
        Path base = repo != null ? Path.of(repo, "engine") : Path.of("").toAbsolutePath();
        Path root = base.resolve("src/test/resources/fixtures");
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("reference fixtures not found at " + root
                    + " (generate them with the tools/reference tooling)");
        }
        return root;
    }

    public static Path file(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("fixture file missing: " + p);
        }
        return p;
    }

    public static JsonNode json(String relative) throws IOException {
        return JSON.readTree(file(relative).toFile());
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    public static String sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** sha256 of the floats as little-endian float32 bytes (numpy {@code '<f4'} order). */
    public static String sha256F32(float[] values) {
        ByteBuffer bb = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(values);
        return sha256(bb.array());
    }

    /** One tensor of a safetensors file: dtype, shape and raw little-endian bytes. */
    public record Tensor(String dtype, long[] shape, byte[] data) {
    }

    /** Reads every tensor of a (small) safetensors file. */
    public static Map<String, Tensor> safetensors(String relative) throws IOException {
        byte[] all = Files.readAllBytes(file(relative));
        long headerLen = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = JSON.readTree(new String(all, 8, (int) headerLen, StandardCharsets.UTF_8));
        int base = 8 + (int) headerLen;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : header.properties()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asLong();
            }
            int from = base + t.get("data_offsets").get(0).asInt();
            int to = base + t.get("data_offsets").get(1).asInt();
            out.put(e.getKey(), new Tensor(t.get("dtype").asText(), shape, java.util.Arrays.copyOfRange(all, from, to)));
        }
        return out;
    }
}
