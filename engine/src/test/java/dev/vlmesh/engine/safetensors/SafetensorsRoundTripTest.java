package dev.vlmesh.engine.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.safetensors.SafetensorsWriter.TensorSpec;
import dev.vlmesh.engine.tensor.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
    @TempDir
    Path tmp;

    @Test
    void writtenTensorsReadBackExactly() throws IOException {
        Path file = tmp.resolve("t.safetensors");
        float[] a = {1.5f, -2.25f, 3e-3f, 65504f, -0f, 1e-7f};
        List<TensorSpec> specs = List.of(new TensorSpec("a.f32", DType.F32, new long[] {2, 3}),
                new TensorSpec("empty", DType.BF16, new long[] {0, 4}),
                new TensorSpec("a.bf16", DType.BF16, new long[] {6}),
                new TensorSpec("a.f16", DType.F16, new long[] {3, 2}));
        try (SafetensorsWriter w = SafetensorsWriter.create(file, specs, Map.of("format", "pt"))) {
            w.writeFloats(a, 0, 6);
            w.writeFloats(a, 0, 4); // a tensor may arrive in pieces
            w.writeFloats(a, 4, 2);
            w.writeFloats(a, 0, 6);
        }
        ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, (8 + head.getLong(0)) % 8, "data section is 8-byte aligned");
        try (Arena arena = Arena.ofShared()) {
            SafetensorsFile f = SafetensorsFile.open(file, arena);
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals(List.of("a.f32", "empty", "a.bf16", "a.f16"), List.copyOf(f.entries().keySet()));
            SafetensorsEntry e = f.entries().get("a.f16");
            assertArrayEquals(new long[] {3, 2}, e.shape());
            for (int i = 0; i < 6; i++) {
                assertEquals(a[i], SafetensorsFile.readFloat(f.data(f.entries().get("a.f32")), i, "F32"));
                assertEquals(Float.intBitsToFloat(SafetensorsWriter.toBf16(a[i]) << 16),
                        SafetensorsFile.readFloat(f.data(f.entries().get("a.bf16")), i, "BF16"));
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(a[i])),
                        SafetensorsFile.readFloat(f.data(e), i, "F16"));
            }
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, SafetensorsWriter.toBf16(1.0f));
        assertEquals((short) 0x3F80, SafetensorsWriter.toBf16(Float.intBitsToFloat(0x3F808000))); // tie → even
        assertEquals((short) 0x3F82, SafetensorsWriter.toBf16(Float.intBitsToFloat(0x3F818000))); // tie → even (up)
        assertEquals((short) 0x3F81, SafetensorsWriter.toBf16(Float.intBitsToFloat(0x3F808001)));
        assertTrue(Float.isNaN(Float.intBitsToFloat(SafetensorsWriter.toBf16(Float.NaN) << 16)));
    }

    @Test
    void anIncompleteFileIsNeverLeftBehind() throws IOException {
        Path file = tmp.resolve("partial.safetensors");
        List<TensorSpec> specs = List.of(new TensorSpec("x", DType.F32, new long[] {4}));
        SafetensorsWriter w = SafetensorsWriter.create(file, specs, Map.of());
        w.writeFloats(new float[] {1, 2}, 0, 2);
        assertThrows(IOException.class, w::close);
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(tmp.resolve("partial.safetensors.partial")));
        SafetensorsWriter w2 = SafetensorsWriter.create(file, specs, Map.of());
        assertThrows(IllegalArgumentException.class, () -> w2.writeFloats(new float[5], 0, 5));
        w2.close();
        assertFalse(Files.exists(file));
    }

    @Test
    void duplicateNamesAndTrailingGarbageAreRejected() throws IOException {
        Path file = tmp.resolve("dup.safetensors");
        String header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        write(file, header, 8);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.readHeader(file));
        assertTrue(e.getMessage().contains("dup.safetensors"), e.getMessage());
        write(file, "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} []", 4);
        assertThrows(SafetensorsException.class, () -> SafetensorsFile.readHeader(file));
        write(file, "{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4);
        assertThrows(SafetensorsException.class, () -> SafetensorsFile.readHeader(file));
        write(file, "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4);
        assertThrows(SafetensorsException.class, () -> SafetensorsFile.readHeader(file));
        write(file, "[1,2]", 0);
        assertThrows(SafetensorsException.class, () -> SafetensorsFile.readHeader(file));
        Files.write(file, new byte[5]);
        assertThrows(SafetensorsException.class, () -> SafetensorsFile.readHeader(file));
    }

    private static void write(Path file, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(file, b.array());
    }
}
