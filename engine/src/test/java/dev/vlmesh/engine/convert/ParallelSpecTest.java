package dev.vlmesh.engine.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.checkpoint.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** mm-convert's validation (KV heads divisible by TP, list lengths, sums) plus what the splits need. */
class ParallelSpecTest {
    private static ModelConfig b; // LLM 4 layers, 8 heads, 2 KV heads; ViT 3 layers, 3 heads

    @BeforeAll
    static void load() throws Exception {
        b = SourceCheckpoint.readConfig(ConvertFixtures.model(ConvertFixtures.B, "hf"));
    }

    private static String refusal(ParallelSpec s) {
        ConversionException e = assertThrows(ConversionException.class, () -> s.validate(b));
        assertEquals(ConversionException.Reason.BAD_PARALLEL_CONFIG, e.reason());
        return e.getMessage();
    }

    @Test
    void acceptsValidSplitsIncludingUnevenVitHeads() throws Exception {
        new ParallelSpec(2, List.of(List.of(1, 1, 1, 1)), List.of(List.of(3, 0, 0, 0))).validate(b);
        new ParallelSpec(2, List.of(List.of(0, 4)), List.of(List.of(3, 0))).validate(b);
        new ParallelSpec(1, List.of(List.of(1, 1), List.of(1, 1)), List.of(List.of(3, 0), List.of(0, 0))).validate(b);
    }

    @Test
    void refusesWhatMmConvertRefuses() {
        assertTrue(refusal(new ParallelSpec(4, List.of(List.of(4)), List.of(List.of(3)))).contains("KV heads"));
        assertTrue(refusal(new ParallelSpec(1, List.of(List.of(1, 1, 1)), List.of(List.of(3, 0, 0))))
                .contains("sums to 3 but the LLM has 4 layers"));
        assertTrue(refusal(new ParallelSpec(1, List.of(List.of(2, 2)), List.of(List.of(2, 0))))
                .contains("ViT has 3 layers"));
        assertTrue(refusal(new ParallelSpec(1, List.of(List.of(2, 2)), List.of(List.of(3, 0, 0))))
                .contains("one count per pipeline stage"));
        assertTrue(refusal(new ParallelSpec(1, List.of(List.of(2, 2)), List.of(List.of(3, 0), List.of(0, 0))))
                .contains("virtual-pipeline chunks"));
        assertTrue(refusal(new ParallelSpec(1, List.of(List.of(5, -1)), List.of(List.of(3, 0)))).contains("negative"));
        assertTrue(refusal(new ParallelSpec(0, List.of(List.of(4)), List.of(List.of(3)))).contains("tp 0"));
        assertTrue(refusal(new ParallelSpec(1, List.of(), List.of(List.of(3)))).contains("llm_pp_layers is empty"));
    }

    @Test
    void parsesLayerListsAsMmConvertWritesThem() throws Exception {
        assertEquals(List.of(List.of(6, 8, 8, 6)), ParallelSpec.parseLayers("[[6,8,8,6]]"));
        assertEquals(List.of(List.of(6, 8, 8, 6)), ParallelSpec.parseLayers("[6, 8, 8, 6]"));
        assertEquals(List.of(List.of(1, 2), List.of(3, 4)), ParallelSpec.parseLayers("[[1,2],[3,4]]"));
        for (String bad : List.of("", "x", "[]", "[[]]", "[[1,\"a\"]]", "[[1.5]]", "{\"a\":1}")) {
            ConversionException e = assertThrows(ConversionException.class, () -> ParallelSpec.parseLayers(bad));
            assertEquals(ConversionException.Reason.BAD_PARALLEL_CONFIG, e.reason(), bad);
        }
        assertEquals("tp=2;llm=[[6,8,8,6]];vit=[[24,0,0,0]]", new ParallelSpec(2, List.of(List.of(6, 8, 8, 6)),
                List.of(List.of(24, 0, 0, 0))).canonical());
    }
}
