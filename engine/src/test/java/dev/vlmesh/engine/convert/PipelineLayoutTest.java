package dev.vlmesh.engine.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vlmesh.engine.convert.MmTensorRule.Modality;
import dev.vlmesh.engine.convert.MmTensorRule.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Placement by the original partition_state_dict_by_pp, with the examples of mindspeed-mm.md §3. */
class PipelineLayoutTest {

    private static MmTensorRule layer(Modality m, String prefix, int layer) {
        return new MmTensorRule(prefix + layer + ".x", m, Role.LAYER, layer, prefix, ".x", Fusion.NONE,
                Split.REPLICATED, List.of());
    }

    private static MmTensorRule fixed(Modality m, Role role, String name) {
        return new MmTensorRule(name, m, role, -1, null, null, Fusion.NONE, Split.REPLICATED, List.of());
    }

    @Test
    void internvl3EightBFineTuneSplit() {
        // [6,8,8,6] + [24,0,0,0]: stage 0 ViT + embeddings + LLM 0-5, stage 1 LLM 6-13 as 0-7, stage 3 LLM 22-27
        PipelineLayout l = new PipelineLayout(new ParallelSpec(1, List.of(List.of(6, 8, 8, 6)),
                List.of(List.of(24, 0, 0, 0))));
        String llm = MindSpeedRules.LLM_LAYERS;
        String vit = MindSpeedRules.VIT_LAYERS;
        assertEquals(new PipelineLayout.Placement(0, 0, vit + "23.x"), l.place(layer(Modality.VISION, vit, 23)));
        assertEquals(new PipelineLayout.Placement(0, 0, "p"), l.place(fixed(Modality.VISION, Role.LAST, "p")));
        assertEquals(new PipelineLayout.Placement(0, 0, "e"), l.place(fixed(Modality.TEXT, Role.FIRST, "e")));
        assertEquals(new PipelineLayout.Placement(0, 0, llm + "5.x"), l.place(layer(Modality.TEXT, llm, 5)));
        assertEquals(new PipelineLayout.Placement(1, 0, llm + "0.x"), l.place(layer(Modality.TEXT, llm, 6)));
        assertEquals(new PipelineLayout.Placement(1, 0, llm + "7.x"), l.place(layer(Modality.TEXT, llm, 13)));
        assertEquals(new PipelineLayout.Placement(2, 0, llm + "0.x"), l.place(layer(Modality.TEXT, llm, 14)));
        assertEquals(new PipelineLayout.Placement(3, 0, llm + "5.x"), l.place(layer(Modality.TEXT, llm, 27)));
        assertEquals(new PipelineLayout.Placement(3, 0, "n"), l.place(fixed(Modality.TEXT, Role.LAST, "n")));
        assertEquals("mp_rank_00_003", PipelineLayout.shardDir(0, 3, 4));
        assertEquals("mp_rank_01", PipelineLayout.shardDir(1, 0, 1));
    }

    @Test
    void zeroLayerFirstStagesPutEmbeddingsOnTheFirstStageWithLayers() {
        // InternVL2.5-78B style: LLM [0,3,6,...]; the word embeddings belong with LLM layer 0 on stage 1
        PipelineLayout l = new PipelineLayout(new ParallelSpec(1, List.of(List.of(0, 3, 5, 0)),
                List.of(List.of(8, 0, 0, 0))));
        assertEquals(1, l.place(fixed(Modality.TEXT, Role.FIRST, "e")).ppRank());
        assertEquals(new PipelineLayout.Placement(1, 0, MindSpeedRules.LLM_LAYERS + "0.x"),
                l.place(layer(Modality.TEXT, MindSpeedRules.LLM_LAYERS, 0)));
        assertEquals(new PipelineLayout.Placement(2, 0, MindSpeedRules.LLM_LAYERS + "4.x"),
                l.place(layer(Modality.TEXT, MindSpeedRules.LLM_LAYERS, 7)));
        assertEquals(2, l.place(fixed(Modality.TEXT, Role.LAST, "n")).ppRank());
        assertEquals(0, l.place(fixed(Modality.VISION, Role.LAST, "p")).ppRank());
    }

    @Test
    void virtualPipelineChunksAreFlatStagesChunkTimesPpPlusRank() {
        // vpp 2, pp 2: flat stages [1,1 | 1,1] -> layer 2 is chunk 1 of pp rank 0, layer 3 chunk 1 of rank 1
        PipelineLayout l = new PipelineLayout(new ParallelSpec(1, List.of(List.of(1, 1), List.of(1, 1)),
                List.of(List.of(2, 0), List.of(0, 0))));
        String llm = MindSpeedRules.LLM_LAYERS;
        assertEquals(new PipelineLayout.Placement(0, 1, llm + "0.x"), l.place(layer(Modality.TEXT, llm, 2)));
        assertEquals(new PipelineLayout.Placement(1, 1, llm + "0.x"), l.place(layer(Modality.TEXT, llm, 3)));
        assertEquals(new PipelineLayout.Placement(1, 1, "n"), l.place(fixed(Modality.TEXT, Role.LAST, "n")));
        assertEquals("model1.a", PipelineLayout.storedName("a", 1, 2));
        assertEquals("a", PipelineLayout.storedName("a", 0, 1));
    }
}
