package dev.vlmesh.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.engine.image.InputFixtures;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The public generation API on a fixture checkpoint: stop tokens, cancel, seeds, usage, concurrency, close, limits. */
class GenerationApiTest {
    private static final String MODEL = "c-vit300m-qwen25-224-sharded";
    private static InternVlModel model;
    private static JsonNode single;
    private static PreparedInput singleInput;

    @BeforeAll
    static void load() throws IOException {
        model = InternVlModel.load(ModelFixtures.checkpoint(MODEL, "hf"), EngineOptions.defaults().withThreads(2));
        single = ModelFixtures.cases(MODEL).get("cases").get(0);
        singleInput = PreparedInput.withFeatures(ModelFixtures.ints(single.get("input_ids")),
                model.imageFeatures(ModelFixtures.pixels("single", 224)), model.imageTokenId());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static int[] greedyIds() {
        return ModelFixtures.ints(single.get("greedy_ids"));
    }

    @Test
    void stopsAtAStopTokenWithoutReportingIt() {
        int[] greedy = greedyIds();
        int stop = greedy[5];
        int first = 0;
        while (greedy[first] != stop) {
            first++;
        }
        List<Integer> reported = new ArrayList<>();
        GenerationResult r = model.generate(singleInput, GenerationOptions.greedy(24).withStopTokenIds(Set.of(stop)),
                (id, text) -> reported.add(id), new CancelSignal());
        assertEquals(FinishReason.STOP, r.finishReason());
        assertArrayEquals(Arrays.copyOf(greedy, first), r.tokenIds());
        assertEquals(first, reported.size());
        assertEquals(first + 1, r.usage().completionTokens());
        assertEquals(singleInput.tokenIds().length, r.usage().promptTokens());
        assertEquals(64, r.usage().imageTokens());
    }

    @Test
    void cancelFromTheListenerStopsBeforeTheNextStep() {
        CancelSignal cancel = new CancelSignal();
        AtomicInteger n = new AtomicInteger();
        GenerationResult r = model.generate(singleInput, GenerationOptions.greedy(24), (id, text) -> {
            if (n.incrementAndGet() == 3) {
                cancel.cancel();
            }
        }, cancel);
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertArrayEquals(Arrays.copyOf(greedyIds(), 3), r.tokenIds());
    }

    @Test
    void cancelFromAnotherThreadEndsWithinOneDecodeStep() throws InterruptedException {
        CancelSignal cancel = new CancelSignal();
        AtomicInteger tokens = new AtomicInteger();
        CountDownLatch second = new CountDownLatch(1);
        AtomicInteger seenAtCancel = new AtomicInteger();
        Thread canceller = new Thread(() -> {
            try {
                second.await();
            } catch (InterruptedException e) {
                return;
            }
            seenAtCancel.set(tokens.get());
            cancel.cancel();
        });
        canceller.start();
        // long enough that the canceller thread is scheduled before the end, however loaded the machine
        GenerationResult r = model.generate(singleInput, GenerationOptions.greedy(20_000).withStopTokenIds(Set.of()),
                (id, text) -> {
                    if (tokens.incrementAndGet() == 2) {
                        second.countDown();
                    }
                }, cancel);
        canceller.join();
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertTrue(r.tokenIds().length <= seenAtCancel.get() + 1,
                r.tokenIds().length + " tokens after a cancel at " + seenAtCancel.get());
    }

    @Test
    void aCancelledSignalBeforeStartDoesNoWork() {
        CancelSignal cancel = new CancelSignal();
        cancel.cancel();
        GenerationResult r = model.generate(singleInput, GenerationOptions.greedy(24), TokenListener.none(), cancel);
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertEquals(0, r.tokenIds().length);
    }

    @Test
    void sameSeedSameTextOtherSeedOtherText() {
        GenerationOptions o = GenerationOptions.sampling(24, 1.0, 0.95, 1234L).withStopTokenIds(Set.of());
        GenerationResult a = model.generate(singleInput, o, TokenListener.none(), new CancelSignal());
        GenerationResult b = model.generate(singleInput, o, TokenListener.none(), new CancelSignal());
        GenerationResult c = model.generate(singleInput, o.withSeed(99L), TokenListener.none(), new CancelSignal());
        assertArrayEquals(a.tokenIds(), b.tokenIds());
        assertEquals(a.text(), b.text());
        assertEquals(1234L, a.seed());
        assertFalse(Arrays.equals(a.tokenIds(), c.tokenIds()));
        GenerationResult unseeded = model.generate(singleInput, o.withSeed(null), TokenListener.none(),
                new CancelSignal());
        GenerationResult replay = model.generate(singleInput, o.withSeed(unseeded.seed()), TokenListener.none(),
                new CancelSignal());
        assertArrayEquals(unseeded.tokenIds(), replay.tokenIds(), "the reported seed reproduces the text");
    }

    @Test
    void concurrentGenerationsGiveTheSameGreedyText() throws InterruptedException {
        int n = 3;
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<int[]> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                try {
                    results.add(model.generate(singleInput, GenerationOptions.greedy(24).withStopTokenIds(Set.of()),
                            TokenListener.none(), new CancelSignal()).tokenIds());
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(null, failure.get());
        for (int[] r : results) {
            assertArrayEquals(greedyIds(), r);
        }
    }

    @Test
    void closeWaitsForRunningGenerationsThenRefusesNewOnes() throws Exception {
        InternVlModel m = InternVlModel.load(ModelFixtures.checkpoint(MODEL, "original"),
                EngineOptions.defaults().withThreads(1));
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<GenerationResult> result = new AtomicReference<>();
        Thread t = new Thread(() -> result.set(m.generate(singleInput,
                GenerationOptions.greedy(24).withStopTokenIds(Set.of()), (id, text) -> started.countDown(),
                new CancelSignal())));
        t.start();
        assertTrue(started.await(60, TimeUnit.SECONDS));
        m.close();
        assertFalse(t.isAlive() && result.get() == null, "close returned while a generation was running");
        t.join();
        assertArrayEquals(greedyIds(), result.get().tokenIds());
        assertThrows(IllegalStateException.class, () -> m.generate(singleInput, GenerationOptions.greedy(1),
                TokenListener.none(), new CancelSignal()));
    }

    @Test
    void limitsAreCheckedBeforeAnyWork() throws IOException {
        try (InternVlModel small = InternVlModel.load(ModelFixtures.checkpoint(MODEL, "hf"),
                EngineOptions.defaults().withThreads(1).withMaxContext(100))) {
            GenerationRequest r = GenerationRequest.builder("Describe.")
                    .image(ImageInput.file(InputFixtures.file("preprocess/images/rgb_320x240.jpg"), 1)).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> small.prepare(r));
            assertTrue(e.getMessage().contains("at most"), e.getMessage());
        }
        GenerationRequest twoImagesOnePlaceholder = GenerationRequest.builder("<image>\nWhat is this?")
                .image(InputFixtures.file("preprocess/images/rgb_320x240.jpg"))
                .image(InputFixtures.file("preprocess/images/rgb_88x66.bmp")).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.prepare(twoImagesOnePlaceholder));
        assertTrue(e.getMessage().contains("placeholder"), e.getMessage());
        GenerationRequest userTypedContext = GenerationRequest.builder("hello <IMG_CONTEXT>").build();
        assertThrows(IllegalArgumentException.class, () -> model.prepare(userTypedContext));
    }

    @Test
    void textOnlyAndMultiImagePrefixes() throws IOException {
        GenerationResult text = model.generate(GenerationRequest.builder("Hello!")
                .options(GenerationOptions.greedy(4).withStopTokenIds(Set.of())).build(), TokenListener.none(),
                new CancelSignal());
        assertEquals(4, text.tokenIds().length);
        assertEquals(0, text.usage().imageTokens());
        // two images without placeholders get the model card's "Image-1: <image>\nImage-2: <image>\n" prefix
        JsonNode two = ModelFixtures.cases(MODEL).get("cases").get(2);
        String question = two.get("question").asText();
        PreparedInput in = model.prepare(GenerationRequest.builder(question.substring(question.lastIndexOf('\n') + 1))
                .image(ImageInput.file(InputFixtures.file("preprocess/images/rgb_320x240.jpg"), 1))
                .image(ImageInput.file(InputFixtures.file("preprocess/images/tie2_small_60x30.png"), 6)).build());
        assertArrayEquals(ModelFixtures.ints(two.get("input_ids")), in.tokenIds());
    }
}
