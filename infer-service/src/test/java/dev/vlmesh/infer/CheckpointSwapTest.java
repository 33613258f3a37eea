package dev.vlmesh.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.events.CheckpointReady;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.JobCompleted;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobFailed;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.ParallelConfig;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.infer.checkpoint.ModelRuntime;
import dev.vlmesh.testing.LocalStackExtension;
import dev.vlmesh.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker configured with a model name loads the newest version from the store and, on CheckpointReady, swaps to
 * the new version while jobs keep coming: none fails, each runs wholly on one version, and the text each job gets
 * is that version's reference answer.
 */
@ExtendWith(LocalStackExtension.class)
class CheckpointSwapTest {

    private static final String MODEL = "fixture-internvl3";
    private static final Duration WAIT = Duration.ofSeconds(90);

    /** Uploads a fixture checkpoint as a converted version, manifest last, as convert-service does. */
    static void publishVersion(TestStack stack, Path dir, String version) throws Exception {
        String prefix = StoreLayout.modelVersionPrefix(MODEL, version);
        StringBuilder files = new StringBuilder();
        List<Path> all;
        try (Stream<Path> s = Files.list(dir)) {
            all = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : all) {
            byte[] data = Files.readAllBytes(f);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
            put(stack, prefix + f.getFileName(), data);
            files.append(files.isEmpty() ? "" : ",").append("{\"path\":\"").append(f.getFileName())
                    .append("\",\"size\":").append(data.length).append(",\"sha256\":\"").append(sha).append("\"}");
        }
        put(stack, prefix + "manifest.json", ("{\"format\":\"test\",\"files\":[" + files + "]}")
                .getBytes(StandardCharsets.UTF_8));
    }

    private static void put(TestStack stack, String key, byte[] data) throws Exception {
        stack.s3().putObject(PutObjectArgs.builder().bucket(stack.layout().checkpointBucket()).object(key)
                .stream(new ByteArrayInputStream(data), data.length, -1).build());
    }

    private static void announce(TestStack stack, String version) throws Exception {
        try (KafkaProducer<String, byte[]> p = stack.producer()) {
            p.send(TestStack.codec().record(stack.topics().checkpointEvents(), CheckpointReady.of("conv_test", MODEL,
                    version, stack.layout().checkpointBucket(), StoreLayout.manifestKey(MODEL, version),
                    "original", new ParallelConfig(1, List.of(), List.of()), "sha256:test"))).get();
        }
    }

    @Test
    void swapsVersionsUnderASteadyStreamOfJobs(TestStack stack, @TempDir Path cache) throws Exception {
        publishVersion(stack, Fixtures.model(Fixtures.MODEL_A), "v1");
        Map<String, String> config = TestWorkers.base(stack);
        config.put("vlmesh.infer.model.name", MODEL);
        config.put("vlmesh.infer.model.cache-dir", cache.toString());
        config.put("vlmesh.infer.batch.max-size", "2");
        String question = Fixtures.question(Fixtures.MODEL_A, Fixtures.SINGLE_CASE);
        Map<String, String> expected = Map.of(
                "v1", Fixtures.expectedText(Fixtures.MODEL_A, Fixtures.SINGLE_CASE, 4),
                "v2", Fixtures.expectedText(Fixtures.MODEL_B, Fixtures.SINGLE_CASE, 4));
        assertTrue(!expected.get("v1").equals(expected.get("v2")), "the two versions answer differently");

        try (InferWorker worker = new InferWorker(TestWorkers.settings(config), new SimpleMeterRegistry());
             JobsClient jobs = new JobsClient(stack)) {
            assertTrue(worker.models().orElseThrow().awaitLoaded(WAIT), "v1 loaded at start");
            assertEquals("v1", worker.models().get().versions().current().map(ModelRuntime::version).orElseThrow());
            MediaRef image = jobs.upload(Fixtures.image(Fixtures.SINGLE_IMAGE));
            List<JobSubmitted> submitted = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                if (i == 4) {
                    publishVersion(stack, Fixtures.model(Fixtures.MODEL_B), "v2");
                    announce(stack, "v2");
                }
                submitted.add(jobs.submit(jobs.job(question, List.of(image), 4, 1)));
                Thread.sleep(150); // a steady stream, not a burst
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!worker.models().get().versions().current().map(ModelRuntime::version).orElse("").equals("v2")) {
                assertTrue(System.nanoTime() < deadline, "v2 installed");
                Thread.sleep(50); // polling the worker's state; there is no event for "installed"
            }
            for (int i = 0; i < 2; i++) {
                submitted.add(jobs.submit(jobs.job(question, List.of(image), 4, 1)));
            }
            JobSubmitted pinned = jobs.job(question, List.of(image), 4, 1);
            pinned = new JobSubmitted(pinned.schemaVersion(), pinned.eventId(), pinned.time(), pinned.jobId(),
                    pinned.tenantId(), null, null, pinned.task(), pinned.prompt(), pinned.media(), pinned.options(),
                    MODEL, "v1", 0, null);
            JobSubmitted unknown = new JobSubmitted(pinned.schemaVersion(), pinned.eventId(), pinned.time(),
                    dev.vlmesh.events.Ids.newJobId(), pinned.tenantId(), null, null, pinned.task(), pinned.prompt(),
                    pinned.media(), pinned.options(), MODEL, "v9", 0, null);
            jobs.submit(pinned);
            jobs.submit(unknown);

            List<String> versions = new ArrayList<>();
            for (JobSubmitted j : submitted) {
                List<JobEvent> events = jobs.awaitTerminal(j.jobId(), WAIT);
                JobCompleted done = assertInstanceOf(JobCompleted.class, events.getLast(), "no job fails: " + events);
                assertEquals(expected.get(done.modelVersion()), done.text(), "the text of the version it ran on");
                versions.add(done.modelVersion());
            }
            assertEquals("v1", versions.getFirst());
            assertEquals(List.of("v2", "v2"), versions.subList(versions.size() - 2, versions.size()),
                    "jobs after the swap run on v2: " + versions);

            JobCompleted pinnedDone = assertInstanceOf(JobCompleted.class,
                    jobs.awaitTerminal(pinned.jobId(), WAIT).getLast());
            assertEquals("v1", pinnedDone.modelVersion());
            assertEquals(expected.get("v1"), pinnedDone.text());
            JobFailed notFound = assertInstanceOf(JobFailed.class, jobs.awaitTerminal(unknown.jobId(), WAIT).getLast());
            assertEquals(ErrorCodes.MODEL_VERSION_NOT_FOUND, notFound.code());

            deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!worker.models().get().versions().loadedVersions().keySet().equals(java.util.Set.of("v2"))) {
                assertTrue(System.nanoTime() < deadline, "v1 released once its jobs finished: "
                        + worker.models().get().versions().loadedVersions());
                Thread.sleep(20); // the last lease is returned right after the terminal event
            }
        }
    }
}
