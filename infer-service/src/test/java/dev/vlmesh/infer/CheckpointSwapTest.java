package dev.vlmesh.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.convert.FileDigest;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.JobCompleted;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobFailed;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.infer.ConvertedVersions.Converted;
import dev.vlmesh.infer.ConvertedVersions.FileBytes;
import dev.vlmesh.infer.checkpoint.ModelManager;
import dev.vlmesh.infer.checkpoint.ModelRuntime;
import dev.vlmesh.testing.LocalStackExtension;
import dev.vlmesh.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product's core path: an operator's HuggingFace checkpoint converted to the sharded MindSpeed-MM layout (by the
 * engine's converter, as convert-service runs it) and published to the store, manifest last; the worker loads the
 * newest such version at start and, on {@code CheckpointReady}, swaps to the next one while jobs keep coming. None
 * fails, each runs wholly on one version, and the text each job gets is that model's reference (transformers)
 * answer. Also: a pinned version, an unknown version, a job naming another model, and a version whose stored shard
 * does not match its manifest.
 */
@ExtendWith(LocalStackExtension.class)
class CheckpointSwapTest {

    private static final String MODEL = "fixture-internvl3";
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void swapsToConvertedVersionsUnderASteadyStreamOfJobs(TestStack stack, @TempDir Path tmp) throws Exception {
        // v1: model A in 2 pipeline stages x 2 virtual stages (each shard holds its model0./model1. chunks);
        // v2: model B in 2 tensor-parallel ranks x 4 pipeline stages, torch output format (pickles beside safetensors)
        Converted a = ConvertedVersions.convert(Fixtures.hfModel(Fixtures.MODEL_A), tmp.resolve("a-mm"), 1,
                "[[1,0],[1,2]]", "[[1,0],[1,0]]", false);
        Converted b = ConvertedVersions.convert(Fixtures.hfModel(Fixtures.MODEL_B), tmp.resolve("b-mm"), 2,
                "[[1,1,1,1]]", "[[3,0,0,0]]", true);
        assertEquals(2, a.manifest().shards().size());
        assertEquals(8, b.manifest().shards().size());
        String v1 = ConvertedVersions.upload(stack, MODEL, a);
        String v2 = b.version();
        Path cache = tmp.resolve("cache");
        Map<String, String> config = TestWorkers.base(stack);
        config.put("vlmesh.infer.model.name", MODEL);
        config.put("vlmesh.infer.model.cache-dir", cache.toString());
        config.put("vlmesh.infer.batch.max-size", "2");
        String question = Fixtures.question(Fixtures.MODEL_A, Fixtures.SINGLE_CASE);
        assertEquals(question, Fixtures.question(Fixtures.MODEL_B, Fixtures.SINGLE_CASE));
        Map<String, String> expected = Map.of(
                v1, Fixtures.expectedText(Fixtures.MODEL_A, Fixtures.SINGLE_CASE, 4),
                v2, Fixtures.expectedText(Fixtures.MODEL_B, Fixtures.SINGLE_CASE, 4));
        assertNotEquals(expected.get(v1), expected.get(v2), "the two versions answer differently");

        try (InferWorker worker = new InferWorker(TestWorkers.settings(config), new SimpleMeterRegistry());
             JobsClient jobs = new JobsClient(stack)) {
            ModelManager models = worker.models().orElseThrow();
            assertTrue(models.awaitLoaded(WAIT), "v1 loaded at start: " + models.lastError());
            assertEquals(v1, current(models));
            MediaRef image = jobs.upload(Fixtures.image(Fixtures.SINGLE_IMAGE));
            JobSubmitted request = jobs.job(question, List.of(image), 4, 1);
            List<JobSubmitted> submitted = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                if (i == 4) {
                    ConvertedVersions.upload(stack, MODEL, b);
                    ConvertedVersions.announce(stack, MODEL, v2, b);
                }
                submitted.add(jobs.submit(JobsClient.naming(request, MODEL, null)));
                Thread.sleep(150); // a steady stream, not a burst
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!current(models).equals(v2)) {
                assertTrue(System.nanoTime() < deadline, "v2 installed: " + models.lastError());
                Thread.sleep(50); // polling the worker's state; there is no event for "installed"
            }
            for (int i = 0; i < 2; i++) {
                submitted.add(jobs.submit(JobsClient.naming(request, MODEL, null)));
            }
            JobSubmitted pinned = jobs.submit(JobsClient.naming(request, MODEL, v1));
            JobSubmitted unknown = jobs.submit(JobsClient.naming(request, MODEL, "mm-00000000000000000000"));
            JobSubmitted otherModel = jobs.submit(JobsClient.naming(request, "another-model", null));

            List<String> versions = new ArrayList<>();
            for (JobSubmitted j : submitted) {
                List<JobEvent> events = jobs.awaitTerminal(j.jobId(), WAIT);
                JobCompleted done = assertInstanceOf(JobCompleted.class, events.getLast(), "no job fails: " + events);
                assertEquals(expected.get(done.modelVersion()), done.text(), "the text of the version it ran on");
                assertEquals(MODEL, done.model());
                versions.add(done.modelVersion());
            }
            assertEquals(v1, versions.getFirst());
            assertEquals(List.of(v2, v2), versions.subList(versions.size() - 2, versions.size()),
                    "jobs after the swap run on v2: " + versions);

            JobCompleted pinnedDone = assertInstanceOf(JobCompleted.class,
                    jobs.awaitTerminal(pinned.jobId(), WAIT).getLast());
            assertEquals(v1, pinnedDone.modelVersion());
            assertEquals(expected.get(v1), pinnedDone.text());
            JobFailed notFound = assertInstanceOf(JobFailed.class, jobs.awaitTerminal(unknown.jobId(), WAIT).getLast());
            assertEquals(ErrorCodes.MODEL_VERSION_NOT_FOUND, notFound.code());
            List<JobEvent> otherEvents = jobs.awaitTerminal(otherModel.jobId(), WAIT);
            JobFailed wrongModel = assertInstanceOf(JobFailed.class, otherEvents.getLast());
            assertEquals(ErrorCodes.MODEL_NOT_FOUND, wrongModel.code());
            assertTrue(wrongModel.reason().contains("another-model") && wrongModel.reason().contains(MODEL),
                    wrongModel.reason());
            assertEquals(1, otherEvents.size(), "refused before it started: " + otherEvents);

            // the cache holds the nested shard files the engine read, verified, and not the pickles it never loads
            Path v2Dir = cache.resolve(MODEL).resolve(v2);
            int pickles = 0;
            for (FileDigest f : b.manifest().files()) {
                if (f.path().endsWith(".pt")) {
                    pickles++;
                    assertFalse(Files.exists(v2Dir.resolve(f.path())), f.path());
                } else {
                    assertEquals(f.size(), Files.size(v2Dir.resolve(f.path())), f.path());
                }
            }
            assertEquals(8, pickles);

            deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!models.versions().loadedVersions().keySet().equals(Set.of(v2))) {
                assertTrue(System.nanoTime() < deadline, "v1 released once its jobs finished: "
                        + models.versions().loadedVersions());
                Thread.sleep(20); // the last lease is returned right after the terminal event
            }

            // a version whose stored shard differs from its manifest (same size, one byte changed) is refused
            String shard = a.manifest().files().stream().map(FileDigest::path)
                    .filter(p -> p.endsWith("mp_rank_00_001/model.safetensors")).findFirst().orElseThrow();
            String damaged = ConvertedVersions.upload(stack, MODEL, "mm-damaged", a,
                    f -> f.path().equals(shard) ? flipLastByte(f) : f);
            ConvertedVersions.announce(stack, MODEL, damaged, a);
            deadline = System.nanoTime() + WAIT.toNanos();
            while (models.lastError() == null || !models.lastError().contains("SHA-256")) {
                assertTrue(System.nanoTime() < deadline, "the damaged version is refused: " + models.lastError());
                Thread.sleep(50); // as above: the refusal is only logged and reported by readiness
            }
            assertTrue(models.lastError().contains(shard), models.lastError());
            assertEquals(v2, current(models), "still serving v2");
            try (Stream<Path> s = Files.list(cache.resolve(MODEL))) {
                assertEquals(Set.of(v1, v2), s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()),
                        "nothing of the damaged version is kept");
            }
        }
    }

    private static String current(ModelManager models) {
        return models.versions().current().map(ModelRuntime::version).orElse("");
    }

    private static FileBytes flipLastByte(FileBytes f) {
        byte[] b = f.bytes().clone();
        b[b.length - 1] ^= 1;
        return new FileBytes(f.path(), b);
    }
}
