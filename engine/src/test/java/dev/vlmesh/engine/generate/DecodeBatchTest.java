package dev.vlmesh.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.image.PixelValues;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching: generations that run at the same time share one decode forward pass per token, join while
 * others are running and leave when they end, and each gets exactly the tokens it gets alone — the reference
 * (transformers) greedy tokens for every fixture prompt. A cancel or a failing listener ends only its own
 * sequence. A long generation keeps the loop busy so the others are sure to join it mid-way.
 */
class DecodeBatchTest {
    private static final String MODEL = "c-vit300m-qwen25-224-sharded";
    private static final int LONG = 1500;
    /** Each generation on its own thread (the common pool may have a single thread on a small machine). */
    private static final ExecutorService THREADS = Executors.newCachedThreadPool();
    private static InternVlModel batched;
    private static InternVlModel alone;
    private static List<PreparedInput> inputs;
    private static List<int[]> reference;
    private static int[] longSolo;

    @BeforeAll
    static void load() throws IOException {
        batched = InternVlModel.load(ModelFixtures.checkpoint(MODEL, "hf"), EngineOptions.defaults().withThreads(2));
        alone = InternVlModel.load(ModelFixtures.checkpoint(MODEL, "hf"),
                EngineOptions.defaults().withThreads(2).withDecodeBatch(1));
        Map<String, float[]> features = new HashMap<>();
        for (String key : List.of("single", "multi", "video")) {
            PixelValues px = ModelFixtures.pixels(key, 224);
            features.put(key, batched.imageFeatures(px));
        }
        inputs = new ArrayList<>();
        reference = new ArrayList<>();
        for (JsonNode c : ModelFixtures.cases(MODEL).get("cases")) {
            List<float[]> parts = new ArrayList<>();
            int total = 0;
            for (JsonNode k : c.get("inputs")) {
                float[] f = features.get(k.asText());
                parts.add(f);
                total += f.length;
            }
            float[] all = new float[total];
            int off = 0;
            for (float[] f : parts) {
                System.arraycopy(f, 0, all, off, f.length);
                off += f.length;
            }
            inputs.add(PreparedInput.withFeatures(ModelFixtures.ints(c.get("input_ids")), all, batched.imageTokenId()));
            reference.add(ModelFixtures.ints(c.get("greedy_ids")));
        }
        longSolo = alone.generate(inputs.get(0), longOptions(), TokenListener.none(), new CancelSignal()).tokenIds();
        assertEquals(LONG, longSolo.length);
    }

    @AfterAll
    static void close() {
        THREADS.shutdownNow();
        batched.close();
        alone.close();
    }

    private static GenerationOptions longOptions() {
        return GenerationOptions.greedy(LONG).withStopTokenIds(Set.of());
    }

    private static GenerationOptions referenceOptions(int i) {
        return GenerationOptions.greedy(reference.get(i).length).withStopTokenIds(Set.of());
    }

    /** A long generation on the batched model, running until cancelled; returns once it is decoding. */
    private static CompletableFuture<GenerationResult> background(CancelSignal stop) throws InterruptedException {
        CountDownLatch decoding = new CountDownLatch(1);
        GenerationOptions endless = GenerationOptions.greedy(20_000).withStopTokenIds(Set.of());
        CompletableFuture<GenerationResult> f = CompletableFuture.supplyAsync(() -> batched.generate(inputs.get(0),
                endless, (id, text) -> decoding.countDown(), stop), THREADS);
        assertTrue(decoding.await(60, TimeUnit.SECONDS), "the long generation started decoding");
        return f;
    }

    /** Stops the long generation and checks it got the tokens it gets alone (as far as both went). */
    private static void stopAndCheck(CompletableFuture<GenerationResult> longRun, CancelSignal stop) throws Exception {
        assertTrue(!longRun.isDone(), "the long generation was still running");
        stop.cancel();
        GenerationResult r = longRun.get(120, TimeUnit.SECONDS);
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        int n = Math.min(r.tokenIds().length, longSolo.length);
        assertArrayEquals(Arrays.copyOf(longSolo, n), Arrays.copyOf(r.tokenIds(), n), "the long one, as alone");
    }

    @Test
    void generationsJoiningARunningBatchGetTheReferenceTokens() throws Exception {
        BatchStats before = batched.decodeStats();
        CancelSignal stop = new CancelSignal();
        CompletableFuture<GenerationResult> longRun = background(stop);
        List<CompletableFuture<GenerationResult>> runs = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            int k = i;
            runs.add(CompletableFuture.supplyAsync(() -> batched.generate(inputs.get(k), referenceOptions(k),
                    TokenListener.none(), new CancelSignal()), THREADS));
        }
        for (int i = 0; i < runs.size(); i++) {
            assertArrayEquals(reference.get(i), runs.get(i).get(120, TimeUnit.SECONDS).tokenIds(),
                    "case " + i + " decoded among others");
        }
        stopAndCheck(longRun, stop);
        BatchStats after = batched.decodeStats();
        long steps = after.passes() - before.passes();
        long rows = after.items() - before.items();
        int shortTokens = reference.stream().mapToInt(r -> r.length).sum();
        assertTrue(rows - steps >= shortTokens - inputs.size(), "every short sequence's tokens after its first rode "
                + "along with the long one's passes: " + rows + " rows in " + steps + " steps");
    }

    @Test
    void aCancelOrAFailingListenerEndsOnlyItsOwnSequence() throws Exception {
        CancelSignal stop = new CancelSignal();
        CompletableFuture<GenerationResult> longRun = background(stop);
        CancelSignal cancel = new CancelSignal();
        AtomicInteger seen = new AtomicInteger();
        CompletableFuture<GenerationResult> cancelled = CompletableFuture.supplyAsync(() -> batched.generate(
                inputs.get(1), referenceOptions(1), (id, text) -> {
                    if (seen.incrementAndGet() == 5) {
                        cancel.cancel();
                    }
                }, cancel), THREADS);
        AtomicInteger count = new AtomicInteger();
        CompletableFuture<GenerationResult> failing = CompletableFuture.supplyAsync(() -> batched.generate(
                inputs.get(2), referenceOptions(2), (id, text) -> {
                    if (count.incrementAndGet() == 3) {
                        throw new IllegalStateException("listener broke");
                    }
                }, new CancelSignal()), THREADS);
        GenerationResult c = cancelled.get(120, TimeUnit.SECONDS);
        assertEquals(FinishReason.CANCELLED, c.finishReason());
        assertArrayEquals(Arrays.copyOf(reference.get(1), 5), c.tokenIds());
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> failing.get(120, TimeUnit.SECONDS));
        IllegalStateException cause = assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals("listener broke", cause.getMessage());
        GenerationResult after = batched.generate(inputs.get(3), referenceOptions(3), TokenListener.none(),
                new CancelSignal());
        assertArrayEquals(reference.get(3), after.tokenIds(), "the loop goes on after a failure");
        stopAndCheck(longRun, stop);
    }

    @Test
    void aDecodeBatchOfOneDecodesEachAloneWithTheSameTokens() {
        for (int i = 0; i < inputs.size(); i++) {
            assertArrayEquals(reference.get(i), alone.generate(inputs.get(i), referenceOptions(i),
                    TokenListener.none(), new CancelSignal()).tokenIds(), "case " + i);
        }
        assertEquals(BatchStats.NONE, alone.decodeStats());
    }
}
