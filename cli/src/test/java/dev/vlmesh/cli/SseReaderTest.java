package dev.vlmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SseReaderTest {

    @Test
    void readsFieldsCommentsAndMultiLineData() throws Exception {
        String wire = """
                retry: 1000
                id: 1
                event: started
                data: {"a":1}

                : keep-alive

                id: 2
                event: delta
                data: line one
                data: line two

                data:no space

                """;
        try (SseReader r = new SseReader(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8)))) {
            assertEquals(new SseReader.Event("1", "started", "{\"a\":1}"), r.next());
            assertEquals(new SseReader.Event("2", "delta", "line one\nline two"), r.next());
            assertEquals(new SseReader.Event(null, "message", "no space"), r.next());
            assertNull(r.next());
        }
    }
}
