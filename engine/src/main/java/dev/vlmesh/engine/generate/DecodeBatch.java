package dev.vlmesh.engine.generate;

import dev.vlmesh.engine.checkpoint.TextConfig;
import dev.vlmesh.engine.kernel.ComputePool;
import dev.vlmesh.engine.llm.DecoderWorkspace;
import dev.vlmesh.engine.llm.Qwen2Model;
import java.util.ArrayDeque;

/**
 * Continuous batching for decode. Every generation of a model, once its own prefill is done, hands its
 * {@link DecodeSequence} to this loop, which steps all joined sequences in one forward pass per token: one row per
 * sequence, each attending over its own KV cache. Decode is bound by reading the weights, and one pass reads them
 * once for every row, so N sequences cost little more than one. Sequences join and leave between steps: a finished,
 * cancelled or failed sequence leaves at once and its caller returns, a new one joins at the next step, and a long
 * generation never holds a short one back.
 *
 * <p>At most {@code maxRows} sequences share a step (the rest wait for a free row). Below
 * {@link dev.vlmesh.engine.kernel.MatMul#GEMM_MIN_ROWS} rows every row's dot products run in the same order as for
 * a single row, so a sequence's tokens are bit-for-bit those it gets alone; more rows switch the projections to the
 * GEMM path, whose different summation order can change the last bits of the logits (and, on a near tie, a greedy
 * token). Token listeners run on the decode thread between steps: they must not block.
 */
final class DecodeBatch extends LoopThread {
    private final Qwen2Model llm;
    private final int hidden;
    private final int vocab;
    private final int maxRows;
    private final DecoderWorkspace ws;
    private final DecodeSequence[] active;
    private int activeCount;
    private final ArrayDeque<DecodeSequence> joining = new ArrayDeque<>();
    private long steps;
    private long rowsStepped;

    DecodeBatch(Qwen2Model llm, ComputePool pool, int maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be ≥ 1, got " + maxRows);
        }
        TextConfig c = llm.config();
        super("vlmesh-decode");
        this.llm = llm;
        this.hidden = c.hiddenSize();
        this.vocab = c.vocabSize();
        this.maxRows = maxRows;
        this.ws = new DecoderWorkspace(c, pool, maxRows, maxRows, 1024);
        this.active = new DecodeSequence[maxRows];
    }

    /** Runs the sequence's decode to its end among the others; returns when it has finished. */
    void decode(DecodeSequence s) {
        submit(() -> joining.add(s));
        s.await();
    }

    synchronized BatchStats stats() {
        return new BatchStats(steps, rowsStepped);
    }

    @Override
    protected void loop() {
        while (true) {
            synchronized (this) {
                if (!awaitWork(() -> activeCount == 0 && joining.isEmpty())) {
                    return; // closed and drained
                }
                while (activeCount < maxRows && !joining.isEmpty()) {
                    active[activeCount++] = joining.poll();
                }
            }
            // sample every sequence's next token from the last pass (or its prefill); drop those that ended
            int rows = 0;
            int keys = 0;
            for (int i = 0; i < activeCount; i++) {
                DecodeSequence s = active[i];
                if (s.advance(ws.logits, i * vocab)) {
                    active[rows++] = s;
                    keys = Math.max(keys, s.cache.length() + 1);
                } else {
                    s.finish();
                }
            }
            for (int i = rows; i < activeCount; i++) {
                active[i] = null;
            }
            activeCount = rows;
            if (rows == 0) {
                continue;
            }
            for (int r = 0; r < rows; r++) {
                DecodeSequence s = active[r];
                llm.embed(s.next, ws.input, r * hidden);
                ws.cache[r] = s.cache;
                ws.position[r] = s.cache.length();
                ws.logitRows[r] = r;
            }
            ws.rows = rows;
            ws.logitCount = rows;
            ws.ensureContext(keys);
            try {
                llm.forward(ws);
            } catch (RuntimeException | Error e) {
                failAll(e);
                continue;
            }
            synchronized (this) {
                steps++;
                rowsStepped += rows;
            }
        }
    }

    /** A failed forward pass (a bug, or memory) ends every sequence in it with that error, never the loop. */
    private void failAll(Throwable e) {
        for (int i = 0; i < activeCount; i++) {
            active[i].fail(e);
            active[i].finish();
            active[i] = null;
        }
        activeCount = 0;
    }
}
