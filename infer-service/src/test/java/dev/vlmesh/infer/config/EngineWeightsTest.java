package dev.vlmesh.infer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.kernel.ComputePool;
import dev.vlmesh.engine.tensor.WeightFormat;
import dev.vlmesh.infer.Fixtures;
import dev.vlmesh.infer.TestWorkers;
import dev.vlmesh.infer.engine.EngineRuntime;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code vlmesh.infer.engine.weights}: read from configuration and handed to the engine when a version loads. */
class EngineWeightsTest {

    @Test
    void weightsAreAsStoredUnlessConfigured() {
        assertEquals(WeightFormat.AS_STORED, TestWorkers.settings(Map.of()).engineWeights());
        assertEquals(WeightFormat.Q8_0, TestWorkers.settings(Map.of("vlmesh.infer.engine.weights", "q8_0"))
                .engineWeights());
        assertThrows(IllegalArgumentException.class,
                () -> TestWorkers.settings(Map.of("vlmesh.infer.engine.weights", "q4_k")));
    }

    @Test
    void aVersionLoadedWithQ8WeightsIsQuantized() throws Exception {
        WorkerSettings s = TestWorkers.settings(Map.of());
        try (ComputePool pool = new ComputePool(1)) {
            var runtime = (EngineRuntime) EngineRuntime.loader(pool, WeightFormat.Q8_0, s.video())
                    .load(Fixtures.model(Fixtures.MODEL_A), "fixture-a", "local");
            try {
                var q = runtime.model().quantization();
                assertEquals(WeightFormat.Q8_0, q.format());
                assertTrue(q.quantized() > 0 && q.quantizedBytes() < q.storedBytes(), q.describe());
            } finally {
                runtime.close();
            }
        }
    }
}
