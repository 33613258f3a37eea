package dev.vlmesh.infer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointFilesTest {

    private static final String SHA = "a".repeat(64);

    @Test
    void readsTheFileListAndIgnoresTheRest() throws IOException {
        CheckpointFiles f = CheckpointFiles.parse(("{\"format\":\"x\",\"parallel\":{\"tp\":2},\"files\":["
                + "{\"path\":\"config.json\",\"size\":12,\"sha256\":\"" + SHA + "\"},"
                + "{\"path\":\"release/mp_rank_00/model.safetensors\",\"size\":100,\"sha256\":\"" + SHA + "\"}]}")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(2, f.files().size());
        assertEquals(112, f.totalBytes());
        assertEquals("release/mp_rank_00/model.safetensors", f.files().get(1).path());
    }

    @Test
    void pytorchPicklesAreListedButNotFetched() throws IOException {
        CheckpointFiles f = CheckpointFiles.parse(("{\"files\":["
                + "{\"path\":\"release/mp_rank_00_000/model.safetensors\",\"size\":100,\"sha256\":\"" + SHA + "\"},"
                + "{\"path\":\"release/mp_rank_00_000/model_optim_rng.pt\",\"size\":120,\"sha256\":\"" + SHA + "\"}]}")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(2, f.files().size());
        assertEquals(List.of("release/mp_rank_00_000/model.safetensors"),
                f.fetched().stream().map(CheckpointFiles.Entry::path).toList());
        assertEquals(100, f.fetchedBytes());
    }

    @Test
    void refusesPathsThatLeaveTheVersionFolder() {
        for (String bad : new String[] {"../x", "/etc/passwd", "a/../../b", "a//b", "./a", "a\\b", ""}) {
            assertFalse(CheckpointFiles.safe(bad), bad);
            String json = "{\"files\":[{\"path\":\"" + bad.replace("\\", "\\\\") + "\",\"size\":1,\"sha256\":\""
                    + SHA + "\"}]}";
            assertThrows(IOException.class, () -> CheckpointFiles.parse(json.getBytes(StandardCharsets.UTF_8)), bad);
        }
        assertTrue(CheckpointFiles.safe("a/b.c"));
    }

    @Test
    void refusesEntriesWithoutDigestOrSize() {
        assertThrows(IOException.class, () -> CheckpointFiles.parse(
                "{\"files\":[{\"path\":\"a\",\"size\":1,\"sha256\":\"ABC\"}]}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> CheckpointFiles.parse(
                ("{\"files\":[{\"path\":\"a\",\"sha256\":\"" + SHA + "\"}]}").getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> CheckpointFiles.parse("{}".getBytes(StandardCharsets.UTF_8)));
    }
}
