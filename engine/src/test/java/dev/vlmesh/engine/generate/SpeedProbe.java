package dev.vlmesh.engine.generate;

import dev.vlmesh.engine.checkpoint.CheckpointLayout;
import dev.vlmesh.engine.image.PixelValues;
import dev.vlmesh.engine.tensor.DType;
import dev.vlmesh.engine.testing.RandomCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;

/**
 * Rough speed numbers on a random checkpoint of a real shape (not a test; run by hand):
 * {@code java --add-modules jdk.incubator.vector -cp … dev.vlmesh.engine.generate.SpeedProbe DIR [1b|2b] [threads]}.
 * The bench module owns real measurements.
 */
public final class SpeedProbe {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        RandomCheckpoint.Shape shape = args.length > 1 && args[1].equals("2b") ? RandomCheckpoint.INTERNVL3_2B
                : RandomCheckpoint.INTERNVL3_1B;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        if (!Files.exists(dir.resolve("model.safetensors"))) {
            long t = System.nanoTime();
            RandomCheckpoint.write(dir, shape, DType.BF16, CheckpointLayout.HF, 1);
            System.out.printf("wrote checkpoint in %.1f s%n", (System.nanoTime() - t) / 1e9);
        }
        try (InternVlModel m = InternVlModel.load(dir, EngineOptions.defaults().withThreads(threads))) {
            int size = m.config().imageSize();
            float[] px = new float[3 * size * size];
            Random r = new Random(1);
            for (int i = 0; i < px.length; i++) {
                px[i] = (float) r.nextGaussian();
            }
            PixelValues pv = new PixelValues(1, size, px);
            for (int i = 0; i < 3; i++) {
                long t = System.nanoTime();
                m.imageFeatures(pv);
                System.out.printf("vision 1 tile: %.0f ms%n", (System.nanoTime() - t) / 1e6);
            }
            int[] ids = new int[256];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 100 + r.nextInt(150);
            }
            for (int i = 0; i < 3; i++) {
                long t = System.nanoTime();
                m.lastLogits(PreparedInput.of(ids, null, m.imageTokenId()));
                double s = (System.nanoTime() - t) / 1e9;
                System.out.printf("prefill 256: %.0f ms = %.1f tok/s%n", s * 1e3, 256 / s);
            }
            GenerationOptions o = GenerationOptions.greedy(64).withStopTokenIds(Set.of());
            for (int i = 0; i < 2; i++) {
                GenerationResult g = m.generate(PreparedInput.of(ids, null, m.imageTokenId()), o,
                        TokenListener.none(), new CancelSignal());
                System.out.printf("decode: %d tokens in %.0f ms = %.1f tok/s%n", g.tokenIds().length,
                        g.timings().decodeMillis(), (g.tokenIds().length - 1) / (g.timings().decodeNanos() / 1e9));
            }
        }
    }
}
