package dev.vlmesh.engine.generate;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.image.PixelValues;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Batched vision encoding: requests that arrive while the vision loop is busy are encoded together in its next
 * call, each gets the features it gets alone (which the reference fixture tests check against
 * transformers), and a cancelled request gets none while the others in its call go on.
 */
class VisionBatchTest {
    private static final String MODEL = "c-vit300m-qwen25-224-sharded";
    private static final ExecutorService THREADS = Executors.newCachedThreadPool();
    private static InternVlModel model;
    private static VisionBatch batch;
    private static List<PixelValues> inputs;
    private static List<float[]> alone;

    @BeforeAll
    static void load() throws IOException {
        model = InternVlModel.load(ModelFixtures.checkpoint(MODEL, "hf"), EngineOptions.defaults().withThreads(2));
        inputs = List.of(ModelFixtures.pixels("single", 224), ModelFixtures.pixels("multi", 224),
                ModelFixtures.pixels("video", 224));
        alone = new ArrayList<>();
        for (PixelValues p : inputs) {
            alone.add(model.imageFeatures(p));
        }
        batch = model.visionBatchForTests();
    }

    @AfterAll
    static void close() {
        THREADS.shutdownNow();
        model.close();
    }

    /**
     * The same arithmetic, but not necessarily the same bits: once the JIT compiles the Vector API kernels, their
     * lane reductions may add in another order than the interpreter did earlier in the same JVM.
     */
    private static void same(float[] expected, float[] actual, String what) {
        double err = ModelFixtures.relativeError(actual, expected);
        assertTrue(err <= 1e-5, what + ": relative error " + err);
    }

    /** A request of many tiles, to keep the loop busy while others arrive. */
    private static PixelValues many(int copies) {
        PixelValues v = inputs.get(2);
        float[] data = new float[v.data().length * copies];
        for (int i = 0; i < copies; i++) {
            System.arraycopy(v.data(), 0, data, i * v.data().length, v.data().length);
        }
        return new PixelValues(v.tiles() * copies, v.size(), data);
    }

    @Test
    void requestsArrivingWhileBusyShareOneCallAndGetTheirOwnFeatures() throws Exception {
        boolean batched = false;
        for (int attempt = 0; attempt < 5 && !batched; attempt++) {
            BatchStats before = batch.stats();
            Future<float[]> busy = THREADS.submit(() -> batch.encode(many(6), new CancelSignal()));
            while (batch.stats().passes() == before.passes()) {
                Thread.onSpinWait(); // until the loop has taken the busy request: the next ones queue behind it
            }
            List<Future<float[]>> runs = new ArrayList<>();
            for (PixelValues p : inputs) {
                runs.add(THREADS.submit(() -> batch.encode(p, new CancelSignal())));
            }
            for (int i = 0; i < runs.size(); i++) {
                same(alone.get(i), runs.get(i).get(60, TimeUnit.SECONDS), "input " + i);
            }
            busy.get(60, TimeUnit.SECONDS);
            BatchStats after = batch.stats();
            long calls = after.passes() - before.passes();
            long requests = after.items() - before.items();
            assertTrue(requests == 4 && calls >= 1 && calls <= 4, calls + " calls for " + requests + " requests");
            batched = calls < requests;
        }
        assertTrue(batched, "requests that arrived while the loop was busy shared a call");
    }

    @Test
    void aCancelledRequestGetsNothingAndTheOthersGoOn() throws Exception {
        CancelSignal cancel = new CancelSignal();
        cancel.cancel();
        Future<float[]> cancelled = THREADS.submit(() -> batch.encode(inputs.get(1), cancel));
        Future<float[]> other = THREADS.submit(() -> batch.encode(inputs.get(0), new CancelSignal()));
        assertNull(cancelled.get(60, TimeUnit.SECONDS));
        same(alone.get(0), other.get(60, TimeUnit.SECONDS), "the other request");
    }
}
