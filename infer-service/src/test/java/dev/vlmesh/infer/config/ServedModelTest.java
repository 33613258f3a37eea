package dev.vlmesh.infer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vlmesh.infer.TestWorkers;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which model name jobs must ask for, from the worker's configuration. */
class ServedModelTest {

    @Test
    void theStoreModelElseTheNamedLocalCheckpointElseNoCheck() {
        assertEquals(Optional.of("internvl3-8b"), TestWorkers.settings(Map.of("vlmesh.infer.model.name",
                "internvl3-8b", "vlmesh.infer.model.local-name", "demo")).servedModel());
        assertEquals(Optional.of("demo-internvl3"), TestWorkers.settings(Map.of("vlmesh.infer.model.local-name",
                " demo-internvl3 ")).servedModel());
        assertEquals(Optional.empty(), TestWorkers.settings(Map.of()).servedModel());
    }
}
