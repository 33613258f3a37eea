package dev.vlmesh.engine.llm;

import dev.vlmesh.engine.checkpoint.TextConfig;
import dev.vlmesh.engine.kernel.AttentionBlock;
import dev.vlmesh.engine.kernel.ComputePool;
import dev.vlmesh.engine.kernel.VectorMath;

/**
 * The Qwen2/Qwen2.5 decoder (transformers' {@code Qwen2ForCausalLM}) over a batch of rows:
 * <pre>
 *   for each layer:  h = x + o_proj(attn(rope(q), rope(k), v)),  q,k,v = W·rms(x) + b   (GQA, causal)
 *                    x = h + down(silu(gate(rms(h))) · up(rms(h)))
 *   logits = lm_head(rms(x))                                   (only for the requested rows)
 * </pre>
 * Each row writes its key and value into its sequence's cache at its position, then attends over positions
 * [0, position]. The model itself is stateless and thread-safe; all mutable state is in the workspace and caches.
 */
public final class Qwen2Model {
    private static final int ROWS_PER_CHUNK = 8;

    private final TextConfig c;
    private final Qwen2Weights w;
    private final Rope rope;
    private final float scale;

    public Qwen2Model(TextConfig config, Qwen2Weights weights) {
        this.c = config;
        this.w = weights;
        this.rope = new Rope(config);
        this.scale = (float) Math.pow(config.headDim(), -0.5);
    }

    public TextConfig config() {
        return c;
    }

    public Qwen2Weights weights() {
        return w;
    }

    /** Writes the embedding of {@code token} into {@code dst[off, off + hidden)}. */
    public void embed(int token, float[] dst, int off) {
        if (token < 0 || token >= c.vocabSize()) {
            throw new IllegalArgumentException("token id " + token + " outside the vocabulary of " + c.vocabSize());
        }
        w.embedTokens().readRow(token, dst, off);
    }

    /** Runs the decoder over {@code ws.rows} rows; see {@link DecoderWorkspace}. Allocates nothing. */
    public void forward(DecoderWorkspace ws) {
        int rows = ws.rows;
        if (rows <= 0 || rows > ws.maxRows) {
            throw new IllegalArgumentException("row count " + rows + " outside 1.." + ws.maxRows);
        }
        for (int r = 0; r < rows; r++) {
            KvCache kc = ws.cache[r];
            int p = ws.position[r];
            if (p < 0 || p >= kc.capacity) {
                throw new IllegalArgumentException("position " + p + " outside the KV cache capacity " + kc.capacity);
            }
            boolean continues = r > 0 && ws.cache[r - 1] == kc;
            if (continues ? p != ws.position[r - 1] + 1 : p > kc.length) {
                throw new IllegalArgumentException("row " + r + " at position " + p + " does not continue its"
                        + " sequence (cache holds " + kc.length + " positions)");
            }
        }
        Step s = ws.step(this);
        s.beyondMaxPositions = false;
        if ("dynamic".equals(c.ropeScalingType())) {
            for (int r = 0; r < rows; r++) {
                s.beyondMaxPositions |= ws.position[r] >= c.maxPositionEmbeddings();
            }
        }
        for (int l = 0; l < w.layers().length; l++) {
            s.layer(l);
        }
        for (int r = 0; r < rows; r++) {
            KvCache kc = ws.cache[r];
            kc.length = Math.max(kc.length, ws.position[r] + 1);
        }
        if (ws.logitCount > 0) {
            s.logits();
        }
    }

    /** The per-workspace tasks of one forward; created once per workspace and model. */
    static final class Step {
        final Qwen2Model m;
        final DecoderWorkspace ws;
        final TextConfig c;
        final int d;
        final int qDim;
        final int kvDim;
        final int qkvWidth;
        final int f;
        final int group;
        int layer;
        Qwen2Weights.Layer lw;
        /** Some row lies past max_position_embeddings (dynamic RoPE may rescale its sequence). */
        boolean beyondMaxPositions;

        final ComputePool.Task normTask = this::normChunk;
        final ComputePool.Task ropeTask = this::ropeChunk;
        final ComputePool.Task attentionTask = this::attentionChunk;
        final ComputePool.Task residualTask = this::residualChunk;
        final ComputePool.Task actTask = this::actChunk;
        float[] normWeight;

        Step(Qwen2Model m, DecoderWorkspace ws) {
            this.m = m;
            this.ws = ws;
            this.c = m.c;
            this.d = c.hiddenSize();
            this.qDim = c.qDim();
            this.kvDim = c.kvDim();
            this.qkvWidth = qDim + 2 * kvDim;
            this.f = c.intermediateSize();
            this.group = c.heads() / c.kvHeads();
        }

        int chunks() {
            return (ws.rows + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
        }

        void layer(int l) {
            layer = l;
            lw = m.w.layers()[l];
            int rows = ws.rows;
            ComputePool pool = ws.pool;
            normWeight = lw.inputNorm();
            pool.run(chunks(), normTask);
            ws.mm.linear(ws.normed, rows, lw.qkv(), lw.qkvBias(), ws.qkv);
            pool.run(chunks(), ropeTask);
            pool.run(rows * c.kvHeads(), attentionTask);
            ws.mm.linear(ws.attn, rows, lw.o(), null, ws.branch);
            pool.run(chunks(), residualTask);
            normWeight = lw.postNorm();
            pool.run(chunks(), normTask);
            ws.mm.linear(ws.normed, rows, lw.gateUp(), null, ws.gateUp);
            pool.run(chunks(), actTask);
            ws.mm.linear(ws.act, rows, lw.down(), null, ws.branch);
            pool.run(chunks(), residualTask);
        }

        void logits() {
            float eps = (float) c.rmsNormEps();
            for (int i = 0; i < ws.logitCount; i++) {
                int r = ws.logitRows[i];
                if (r < 0 || r >= ws.rows) {
                    throw new IllegalArgumentException("logit row " + r + " outside the batch");
                }
                VectorMath.rmsNorm(ws.input, r * d, d, m.w.finalNorm(), eps, ws.headIn, i * d);
            }
            ws.mm.linear(ws.headIn, ws.logitCount, m.w.lmHead(), null, ws.logits);
        }

        void normChunk(int chunk, int thread) {
            int r1 = Math.min(ws.rows, (chunk + 1) * ROWS_PER_CHUNK);
            float eps = (float) c.rmsNormEps();
            for (int r = chunk * ROWS_PER_CHUNK; r < r1; r++) {
                VectorMath.rmsNorm(ws.input, r * d, d, normWeight, eps, ws.normed, r * d);
            }
        }

        void ropeChunk(int chunk, int thread) {
            int r1 = Math.min(ws.rows, (chunk + 1) * ROWS_PER_CHUNK);
            int hd = c.headDim();
            float[] cos = ws.cos[thread];
            float[] sin = ws.sin[thread];
            for (int r = chunk * ROWS_PER_CHUNK; r < r1; r++) {
                KvCache kc = ws.cache[r];
                int pos = ws.position[r];
                float[] inv = beyondMaxPositions ? m.rope.invFreqFor(kc, sequenceLength(r)) : m.rope.invFreqFor(kc, 0);
                Rope.angles(inv, pos, cos, sin);
                int o = r * qkvWidth;
                Rope.apply(ws.qkv, o, c.heads(), hd, cos, sin);
                Rope.apply(ws.qkv, o + qDim, c.kvHeads(), hd, cos, sin);
                float[] keys = kc.keys[layer];
                float[] values = kc.values[layer];
                int stride = kc.stride;
                for (int kh = 0; kh < c.kvHeads(); kh++) {
                    int ko = o + qDim + kh * hd;
                    int vo = o + qDim + kvDim + kh * hd;
                    int kBase = kh * hd * stride + pos;
                    for (int i = 0; i < hd; i++) {
                        keys[kBase + i * stride] = ws.qkv[ko + i];
                    }
                    System.arraycopy(ws.qkv, vo, values, (kh * stride + pos) * hd, hd);
                }
            }
        }

        /** Length of row r's sequence after this step: its last position in the batch + 1. */
        int sequenceLength(int r) {
            KvCache kc = ws.cache[r];
            int len = ws.position[r] + 1;
            for (int i = r + 1; i < ws.rows && ws.cache[i] == kc; i++) {
                len = Math.max(len, ws.position[i] + 1);
            }
            for (int i = r - 1; i >= 0 && ws.cache[i] == kc; i--) {
                len = Math.max(len, ws.position[i] + 1);
            }
            return len;
        }

        void attentionChunk(int chunk, int thread) {
            int r = chunk / c.kvHeads();
            int kh = chunk % c.kvHeads();
            KvCache kc = ws.cache[r];
            int hd = c.headDim();
            int limit = ws.position[r] + 1;
            AttentionBlock b = ws.blocks[thread];
            int stride = kc.stride;
            for (int h0 = 0; h0 < group; h0 += AttentionBlock.QB) {
                int nq = Math.min(AttentionBlock.QB, group - h0);
                for (int i = 0; i < nq; i++) {
                    int h = kh * group + h0 + i;
                    b.qOff[i] = r * qkvWidth + h * hd;
                    b.limit[i] = limit;
                    b.outOff[i] = r * qDim + h * hd;
                }
                b.run(nq, ws.qkv, m.scale, kc.keys[layer], kh * hd * stride, stride, kc.values[layer],
                        kh * stride * hd, hd, hd, ws.attn);
            }
        }

        void residualChunk(int chunk, int thread) {
            int r1 = Math.min(ws.rows, (chunk + 1) * ROWS_PER_CHUNK);
            for (int r = chunk * ROWS_PER_CHUNK; r < r1; r++) {
                VectorMath.add(ws.branch, r * d, ws.input, r * d, d);
            }
        }

        void actChunk(int chunk, int thread) {
            int r1 = Math.min(ws.rows, (chunk + 1) * ROWS_PER_CHUNK);
            for (int r = chunk * ROWS_PER_CHUNK; r < r1; r++) {
                VectorMath.siluMul(ws.gateUp, r * 2 * f, ws.gateUp, r * 2 * f + f, f, ws.act, r * f);
            }
        }
    }
}
