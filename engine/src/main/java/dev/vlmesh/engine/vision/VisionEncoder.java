package dev.vlmesh.engine.vision;

import dev.vlmesh.engine.checkpoint.ModelConfig;
import dev.vlmesh.engine.checkpoint.VisionConfig;
import dev.vlmesh.engine.kernel.AttentionBlock;
import dev.vlmesh.engine.kernel.ComputePool;
import dev.vlmesh.engine.kernel.MatMul;
import dev.vlmesh.engine.kernel.VectorMath;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * InternViT followed by pixel shuffle and the {@code mlp1} projector: image tiles in, LLM-space embeddings out.
 *
 * <p>Per tile: 14×14 patches (a stride-14 convolution is a matmul over flattened patches), the class token first,
 * the position table added (resampled if the tile size differs from the checkpoint's), then pre-norm layers
 * {@code h += ls1·proj(attn(norm1(h)))}, {@code h += ls2·fc2(gelu(fc1(norm2(h))))} with bidirectional attention,
 * no final norm; the class token is dropped, 2×2 patch blocks are shuffled into tokens, and
 * {@code mlp1 = LayerNorm(eps 1e-5) → Linear → GELU → Linear} maps them to the LLM width.
 */
public final class VisionEncoder {
    private static final int ROWS_PER_CHUNK = 16;
    private static final float PROJECTOR_NORM_EPS = 1e-5f;

    private final ModelConfig config;
    private final VisionConfig v;
    private final VisionWeights w;
    private final ConcurrentHashMap<Integer, float[]> positionTables = new ConcurrentHashMap<>();

    public VisionEncoder(ModelConfig config, VisionWeights weights) {
        this.config = config;
        this.v = config.vision();
        this.w = weights;
    }

    /** LLM tokens one tile of {@code size}×{@code size} pixels becomes. */
    public int tokensPerTile(int size) {
        int g = size / v.patchSize();
        return (g / 2) * (g / 2);
    }

    /** Checks a tile size: a multiple of the patch size with an even number of patches per side. */
    public void checkTileSize(int size) {
        int p = v.patchSize();
        if (size <= 0 || size % p != 0 || (size / p) % 2 != 0) {
            throw new IllegalArgumentException("tile size " + size + " must be a positive multiple of "
                    + (2 * p) + " pixels");
        }
    }

    /**
     * Encodes tiles {@code pixels [tiles, 3, size, size]} (normalised float pixels) into
     * {@code [tiles · tokensPerTile(size), D]} embeddings. {@code cancelled} is polled between layers; when it
     * returns true the method stops and returns null.
     */
    public float[] encode(ComputePool pool, float[] pixels, int tiles, int size, BooleanSupplier cancelled) {
        checkTileSize(size);
        if ((long) tiles * 3 * size * size > pixels.length) {
            throw new IllegalArgumentException("pixel buffer holds fewer than " + tiles + " tiles of " + size);
        }
        int g = size / v.patchSize();
        int perTile = (g / 2) * (g / 2);
        int d = config.text().hiddenSize();
        float[] out = new float[tiles * perTile * d];
        Run run = new Run(pool, g);
        for (int t = 0; t < tiles; t++) {
            if (!run.encoder(pixels, t, size, cancelled)) {
                return null;
            }
            run.project(out, t * perTile * d);
        }
        return out;
    }

    /**
     * Encodes the tiles of several requests of one tile size in one call, on one set of buffers: tile after tile,
     * each with the whole pool. {@code pixels[i]} holds {@code tiles[i]} tiles; {@code cancelled[i]} is polled between
     * layers and a cancelled request's result is null (the others go on).
     */
    public float[][] encodeAll(ComputePool pool, float[][] pixels, int[] tiles, int size, BooleanSupplier[] cancelled) {
        checkTileSize(size);
        int g = size / v.patchSize();
        int perTile = (g / 2) * (g / 2);
        int d = config.text().hiddenSize();
        Run run = new Run(pool, g);
        float[][] out = new float[pixels.length][];
        for (int r = 0; r < pixels.length; r++) {
            if ((long) tiles[r] * 3 * size * size > pixels[r].length) {
                throw new IllegalArgumentException("pixel buffer holds fewer than " + tiles[r] + " tiles of " + size);
            }
            float[] o = new float[tiles[r] * perTile * d];
            boolean done = true;
            for (int t = 0; t < tiles[r] && done; t++) {
                done = run.encoder(pixels[r], t, size, cancelled[r]);
                if (done) {
                    run.project(o, t * perTile * d);
                }
            }
            out[r] = done ? o : null;
        }
        return out;
    }

    /** The encoder output (selected layer, class token included) for one tile: [1 + g², C]. For tests. */
    public float[] hiddenState(ComputePool pool, float[] pixels, int tile, int size) {
        checkTileSize(size);
        int g = size / v.patchSize();
        Run run = new Run(pool, g);
        run.encoder(pixels, tile, size, () -> false);
        return run.h.clone();
    }

    private float[] positionTable(int g) {
        return positionTables.computeIfAbsent(g,
                k -> PositionEmbedding.resample(w.positionTable(), v.gridSize(), k, k, v.hiddenSize()));
    }

    /** Buffers and parallel tasks for encoding tiles of one size. */
    private final class Run {
        final ComputePool pool;
        final MatMul mm;
        final int g;
        final int n;      // patches
        final int tokens; // patches + class token
        final int c = v.hiddenSize();
        final int heads = v.heads();
        final int hd = v.headDim();
        final int inter = v.intermediateSize();
        final int paddedTokens;
        final float scale;
        final float[] patches;
        final float[] h;
        final float[] xn;
        final float[] qkv;
        final float[] attn;
        final float[] branch;
        final float[] mlp;
        final float[] kt;
        final AttentionBlock[] blocks;
        final float[] shuffled;
        final float[] projHidden;
        VisionWeights.Layer layer;
        float[] normW;
        float[] normB;
        float[] scaleVec;
        float[] rowsBuf;
        int rows;
        int width;

        final ComputePool.Task normTask = this::normChunk;
        final ComputePool.Task qkNormTask = this::qkNormChunk;
        final ComputePool.Task transposeTask = this::transposeChunk;
        final ComputePool.Task attentionTask = this::attentionChunk;
        final ComputePool.Task residualTask = this::residualChunk;
        final ComputePool.Task geluTask = this::geluChunk;

        Run(ComputePool pool, int g) {
            this.pool = pool;
            this.mm = new MatMul(pool);
            this.g = g;
            this.n = g * g;
            this.tokens = n + 1;
            this.paddedTokens = AttentionBlock.paddedKeys(tokens);
            this.scale = (float) Math.pow(hd, -0.5);
            int p = v.patchSize();
            patches = new float[n * 3 * p * p];
            h = new float[tokens * c];
            xn = new float[tokens * c];
            qkv = new float[tokens * 3 * c];
            attn = new float[tokens * c];
            branch = new float[Math.max(tokens * c, n * c)];
            mlp = new float[tokens * inter];
            kt = new float[heads * hd * paddedTokens];
            blocks = new AttentionBlock[pool.threads()];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = new AttentionBlock(tokens);
            }
            shuffled = new float[(n / 4) * 4 * c];
            projHidden = new float[(n / 4) * config.text().hiddenSize()];
            mm.reserve(tokens, Math.max(inter, 4 * c));
        }

        boolean encoder(float[] pixels, int tile, int size, BooleanSupplier cancelled) {
            embed(pixels, tile, size);
            for (VisionWeights.Layer l : w.layers()) {
                if (cancelled.getAsBoolean()) {
                    return false;
                }
                layer = l;
                // attention branch
                norm(h, l.norm1Weight(), l.norm1Bias());
                mm.linear(xn, tokens, l.qkv(), l.qkvBias(), qkv);
                if (l.qNorm() != null) {
                    pool.run(chunks(tokens), qkNormTask);
                }
                pool.run(heads, transposeTask);
                pool.run(heads * ((tokens + AttentionBlock.QB - 1) / AttentionBlock.QB), attentionTask);
                mm.linear(attn, tokens, l.proj(), l.projBias(), branch);
                residual(l.ls1());
                // MLP branch
                norm(h, l.norm2Weight(), l.norm2Bias());
                mm.linear(xn, tokens, l.fc1(), l.fc1Bias(), mlp);
                rowsBuf = mlp;
                width = inter;
                rows = tokens;
                pool.run(chunks(tokens), geluTask);
                mm.linear(mlp, tokens, l.fc2(), l.fc2Bias(), branch);
                residual(l.ls2());
            }
            return true;
        }

        void embed(float[] pixels, int tile, int size) {
            int p = v.patchSize();
            int pp = p * p;
            int plane = size * size;
            int base = tile * 3 * plane;
            for (int py = 0; py < g; py++) {
                for (int px = 0; px < g; px++) {
                    int dst = (py * g + px) * 3 * pp;
                    for (int ch = 0; ch < 3; ch++) {
                        for (int ky = 0; ky < p; ky++) {
                            System.arraycopy(pixels, base + ch * plane + (py * p + ky) * size + px * p,
                                    patches, dst + ch * pp + ky * p, p);
                        }
                    }
                }
            }
            mm.linear(patches, n, w.patchWeight(), w.patchBias(), branch);
            float[] pos = positionTable(g);
            for (int i = 0; i < c; i++) {
                h[i] = w.clsToken()[i] + pos[i];
            }
            for (int t = 0; t < n; t++) {
                int o = (t + 1) * c;
                for (int i = 0; i < c; i++) {
                    h[o + i] = branch[t * c + i] + pos[o + i];
                }
            }
        }

        void project(float[] out, int outOff) {
            int dModel = config.text().hiddenSize();
            PixelShuffle.shuffle(h, c, g, c, config.psVersion().equals("v2"), shuffled, 0);
            int t = n / 4;
            int c4 = 4 * c;
            for (int r = 0; r < t; r++) {
                VectorMath.layerNorm(shuffled, r * c4, c4, w.projNormWeight(), w.projNormBias(),
                        PROJECTOR_NORM_EPS, shuffled, r * c4);
            }
            mm.linear(shuffled, t, w.projFc1(), w.projFc1Bias(), projHidden);
            rowsBuf = projHidden;
            width = dModel;
            rows = t;
            pool.run(chunks(t), geluTask);
            float[] tmp = new float[t * dModel];
            mm.linear(projHidden, t, w.projFc2(), w.projFc2Bias(), tmp);
            System.arraycopy(tmp, 0, out, outOff, t * dModel);
        }

        int chunks(int r) {
            return (r + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
        }

        void norm(float[] src, float[] weight, float[] bias) {
            normW = weight;
            normB = bias;
            pool.run(chunks(tokens), normTask);
        }

        void residual(float[] ls) {
            scaleVec = ls;
            pool.run(chunks(tokens), residualTask);
        }

        void normChunk(int chunk, int thread) {
            int r1 = Math.min(tokens, (chunk + 1) * ROWS_PER_CHUNK);
            float eps = (float) v.normEps();
            for (int r = chunk * ROWS_PER_CHUNK; r < r1; r++) {
                if (normB != null) {
                    VectorMath.layerNorm(h, r * c, c, normW, normB, eps, xn, r * c);
                } else {
                    VectorMath.rmsNorm(h, r * c, c, normW, eps, xn, r * c);
                }
            }
        }

        void qkNormChunk(int chunk, int thread) {
            int r1 = Math.min(tokens, (chunk + 1) * ROWS_PER_CHUNK);
            float eps = (float) v.normEps();
            for (int r = chunk * ROWS_PER_CHUNK; r < r1; r++) {
                int o = r * 3 * c;
                VectorMath.rmsNorm(qkv, o, c, layer.qNorm(), eps, qkv, o);
                VectorMath.rmsNorm(qkv, o + c, c, layer.kNorm(), eps, qkv, o + c);
            }
        }

        void transposeChunk(int head, int thread) {
            int base = head * hd * paddedTokens;
            int src = c + head * hd;
            for (int t = 0; t < tokens; t++) {
                int s = t * 3 * c + src;
                for (int dd = 0; dd < hd; dd++) {
                    kt[base + dd * paddedTokens + t] = qkv[s + dd];
                }
            }
            for (int dd = 0; dd < hd; dd++) {
                for (int t = tokens; t < paddedTokens; t++) {
                    kt[base + dd * paddedTokens + t] = 0f;
                }
            }
        }

        void attentionChunk(int chunk, int thread) {
            int qBlocks = (tokens + AttentionBlock.QB - 1) / AttentionBlock.QB;
            int head = chunk / qBlocks;
            int t0 = (chunk % qBlocks) * AttentionBlock.QB;
            int nq = Math.min(AttentionBlock.QB, tokens - t0);
            AttentionBlock b = blocks[thread];
            for (int r = 0; r < nq; r++) {
                b.qOff[r] = (t0 + r) * 3 * c + head * hd;
                b.limit[r] = tokens;
                b.outOff[r] = (t0 + r) * c + head * hd;
            }
            b.run(nq, qkv, scale, kt, head * hd * paddedTokens, paddedTokens, qkv, 2 * c + head * hd, 3 * c, hd,
                    attn);
        }

        void residualChunk(int chunk, int thread) {
            int r1 = Math.min(tokens, (chunk + 1) * ROWS_PER_CHUNK);
            for (int r = chunk * ROWS_PER_CHUNK; r < r1; r++) {
                VectorMath.addScaled(branch, r * c, scaleVec, h, r * c, c);
            }
        }

        void geluChunk(int chunk, int thread) {
            int r1 = Math.min(rows, (chunk + 1) * ROWS_PER_CHUNK);
            for (int r = chunk * ROWS_PER_CHUNK; r < r1; r++) {
                VectorMath.gelu(rowsBuf, r * width, width);
            }
        }
    }
}
