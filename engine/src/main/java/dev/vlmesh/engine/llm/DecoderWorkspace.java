package dev.vlmesh.engine.llm;

import dev.vlmesh.engine.checkpoint.TextConfig;
import dev.vlmesh.engine.kernel.AttentionBlock;
import dev.vlmesh.engine.kernel.ComputePool;
import dev.vlmesh.engine.kernel.MatMul;

/**
 * Buffers for one decoder forward over up to {@code maxRows} rows. A row is one token of one sequence: its input
 * embedding in {@link #input}, its {@link KvCache} and position. Rows of different sequences may be mixed (batched
 * decode); rows of one sequence must be consecutive and in position order. {@link Qwen2Model#forward} fills
 * {@link #logits} for the rows listed in {@link #logitRows}. Reusing a workspace allocates nothing.
 */
public final class DecoderWorkspace {
    final TextConfig config;
    final ComputePool pool;
    final MatMul mm;
    public final int maxRows;
    public final int maxLogitRows;

    /** [maxRows, hidden]: input embeddings, then the residual stream. */
    public final float[] input;
    public final KvCache[] cache;
    public final int[] position;
    public int rows;
    /** Rows whose logits are wanted, in the order they appear in {@link #logits}. */
    public final int[] logitRows;
    public int logitCount;
    /** [maxLogitRows, vocab]. */
    public final float[] logits;

    final float[] normed;
    final float[] qkv;
    final float[] attn;
    final float[] branch;
    final float[] gateUp;
    final float[] act;
    final float[] headIn;
    final float[][] cos;
    final float[][] sin;
    final AttentionBlock[] blocks;

    public DecoderWorkspace(TextConfig c, ComputePool pool, int maxRows, int maxLogitRows, int maxContext) {
        this.config = c;
        this.pool = pool;
        this.mm = new MatMul(pool);
        this.maxRows = maxRows;
        this.maxLogitRows = maxLogitRows;
        int d = c.hiddenSize();
        input = new float[maxRows * d];
        cache = new KvCache[maxRows];
        position = new int[maxRows];
        logitRows = new int[maxLogitRows];
        logits = new float[maxLogitRows * c.vocabSize()];
        normed = new float[maxRows * d];
        qkv = new float[maxRows * (c.qDim() + 2 * c.kvDim())];
        attn = new float[maxRows * c.qDim()];
        branch = new float[maxRows * d];
        gateUp = new float[maxRows * 2 * c.intermediateSize()];
        act = new float[maxRows * c.intermediateSize()];
        headIn = new float[maxLogitRows * d];
        cos = new float[pool.threads()][c.headDim() / 2];
        sin = new float[pool.threads()][c.headDim() / 2];
        blocks = new AttentionBlock[pool.threads()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new AttentionBlock(maxContext);
        }
        mm.reserve(maxRows, Math.max(c.intermediateSize(), Math.max(c.qDim(), d)));
    }

    private Qwen2Model.Step step;

    Qwen2Model.Step step(Qwen2Model model) {
        if (step == null || step.m != model) {
            step = new Qwen2Model.Step(model, this);
        }
        return step;
    }

    /** Makes room for attention over {@code keys} positions (grows score buffers if needed). */
    public void ensureContext(int keys) {
        for (AttentionBlock b : blocks) {
            b.ensure(keys);
        }
    }
}
