package dev.vlmesh.engine.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.checkpoint.ConfigReader;
import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.checkpoint.SafetensorsWeightSource;
import dev.vlmesh.engine.checkpoint.TensorLoader;
import dev.vlmesh.engine.image.InputFixtures;
import dev.vlmesh.engine.kernel.ComputePool;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The decoder's batch-of-rows forward: several sequences decode together in one pass, each with its own KV cache,
 * and get exactly the tokens they get alone; a warmed-up decode step allocates nothing. Text-only prompts (fixture
 * prompts with the image runs removed) keep this independent of the vision path.
 */
class BatchedDecodeTest {
    private static final String MODEL = "c-vit300m-qwen25-224-sharded";

    @Test
    void twoSequencesDecodedTogetherGetTheTokensTheyGetAlone() throws IOException {
        Path dir = InputFixtures.root().resolve("models").resolve(MODEL).resolve("hf");
        ModelConfig cfg = ConfigReader.read(dir);
        JsonNode cases = InputFixtures.json("outputs/" + MODEL + "/cases.json").get("cases");
        try (SafetensorsWeightSource src = SafetensorsWeightSource.open(dir, cfg.layout());
             ComputePool pool = new ComputePool(2)) {
            Qwen2Model lm = new Qwen2Model(cfg.text(), Qwen2Weights.load(cfg.text(), new TensorLoader(src,
                    cfg.layout())));
            // prompts: the text of two cases with the image runs cut out (a text-only conversation)
            int[][] prompts = {withoutImage(cases.get(0)), withoutImage(cases.get(4))};
            int steps = 24;
            int[][] alone = new int[2][];
            for (int s = 0; s < 2; s++) {
                alone[s] = decode(lm, pool, new int[][] {prompts[s]}, steps)[0];
            }
            int[][] together = decode(lm, pool, prompts, steps);
            assertArrayEquals(alone[0], together[0]);
            assertArrayEquals(alone[1], together[1]);
        }
    }

    @Test
    void aWarmDecodeStepAllocatesNothing() throws IOException {
        Path dir = InputFixtures.root().resolve("models").resolve(MODEL).resolve("original");
        ModelConfig cfg = ConfigReader.read(dir);
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (SafetensorsWeightSource src = SafetensorsWeightSource.open(dir, cfg.layout());
             ComputePool pool = new ComputePool(2)) {
            Qwen2Model lm = new Qwen2Model(cfg.text(), Qwen2Weights.load(cfg.text(), new TensorLoader(src,
                    cfg.layout())));
            int capacity = 4000;
            KvCache cache = new KvCache(cfg.text(), capacity);
            DecoderWorkspace ws = new DecoderWorkspace(cfg.text(), pool, 1, 1, capacity);
            long allocated = -1;
            for (int step = 0; step < capacity - 1; step++) {
                long before = mx.getCurrentThreadAllocatedBytes();
                lm.embed(100 + step % 50, ws.input, 0);
                ws.rows = 1;
                ws.cache[0] = cache;
                ws.position[0] = step;
                ws.logitRows[0] = 0;
                ws.logitCount = 1;
                lm.forward(ws);
                allocated = mx.getCurrentThreadAllocatedBytes() - before;
                if (allocated == 0 && step > 200) {
                    System.out.println("decode step allocation-free after " + step + " steps");
                    break; // compiled: vectors are in registers, nothing escapes
                }
            }
            assertTrue(allocated == 0, "a decode step still allocates " + allocated + " bytes after warm-up");
        }
    }

    private static int[] withoutImage(JsonNode c) {
        int[] ids = InputFixtures.ints(c.get("input_ids"));
        return java.util.Arrays.stream(ids).filter(id -> id != 2280).toArray();
    }

    /** Greedy decoding of several prompts: prefill each alone, then decode all in one batch per step. */
    static int[][] decode(Qwen2Model lm, ComputePool pool, int[][] prompts, int steps) {
        int n = prompts.length;
        int d = lm.config().hiddenSize();
        int vocab = lm.config().vocabSize();
        KvCache[] caches = new KvCache[n];
        int[] next = new int[n];
        int maxLen = 0;
        for (int[] p : prompts) {
            maxLen = Math.max(maxLen, p.length);
        }
        DecoderWorkspace pre = new DecoderWorkspace(lm.config(), pool, maxLen, 1, maxLen + steps);
        for (int s = 0; s < n; s++) {
            caches[s] = new KvCache(lm.config(), prompts[s].length + steps);
            for (int r = 0; r < prompts[s].length; r++) {
                lm.embed(prompts[s][r], pre.input, r * d);
                pre.cache[r] = caches[s];
                pre.position[r] = r;
            }
            pre.rows = prompts[s].length;
            pre.logitCount = 1;
            pre.logitRows[0] = prompts[s].length - 1;
            lm.forward(pre);
            next[s] = argmax(pre.logits, 0, vocab);
        }
        int[][] out = new int[n][steps];
        DecoderWorkspace ws = new DecoderWorkspace(lm.config(), pool, n, n, maxLen + steps);
        for (int k = 0; k < steps; k++) {
            for (int s = 0; s < n; s++) {
                out[s][k] = next[s];
                lm.embed(next[s], ws.input, s * d);
                ws.cache[s] = caches[s];
                ws.position[s] = caches[s].length();
                ws.logitRows[s] = s;
            }
            ws.rows = n;
            ws.logitCount = n;
            lm.forward(ws);
            for (int s = 0; s < n; s++) {
                next[s] = argmax(ws.logits, s * vocab, vocab);
            }
        }
        return out;
    }

    static int argmax(float[] a, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (a[off + i] > a[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
