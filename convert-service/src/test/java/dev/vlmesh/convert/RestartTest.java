package dev.vlmesh.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.convert.config.ConvertSettings;
import dev.vlmesh.convert.jobs.RefreshPlan;
import dev.vlmesh.convert.state.ConversionStatus;
import dev.vlmesh.events.CheckpointEvent;
import dev.vlmesh.events.CheckpointFailed;
import dev.vlmesh.events.CheckpointReady;
import dev.vlmesh.events.CheckpointRefreshRequested;
import dev.vlmesh.events.ConversionProgress;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.ParallelConfig;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.testing.LocalStackExtension;
import dev.vlmesh.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service stops in the middle of a conversion and starts again: nothing is announced for the interrupted
 * conversion, its request is delivered again and it completes, keeping the shards it had finished; a third start
 * knows the conversion and the version from the topics and the store alone.
 */
@ExtendWith(LocalStackExtension.class)
class RestartTest {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path work;

    private ConvertSettings settings(TestStack stack, long throttle) {
        return new ConvertSettings("restart-" + UUID.randomUUID().toString().substring(0, 8), stack.namespace(),
                stack.settings().kafkaBootstrap(), work, 1L << 40, 10_000, 1, throttle, false, false, 100, 2, 100,
                10_000);
    }

    private static CheckpointEvent decode(ConsumerRecord<byte[], byte[]> r) {
        try {
            return EventCodec.decode(r.headers(), r.value()) instanceof CheckpointEvent c ? c : null;
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void stateSurvivesARestartAndAnInterruptedConversionResumes(TestStack stack) throws Exception {
        Fixtures.upload(stack.s3(), stack.layout().checkpointBucket(), StoreLayout.sourcePrefix("restarted"),
                Fixtures.model(Fixtures.B, "original"));
        ParallelConfig parallel = new ParallelConfig(2, List.of(List.of(1, 1, 1, 1)), List.of(List.of(3, 0, 0, 0)));
        String id;
        try (ConvertService first = new ConvertService(settings(stack, 100_000), stack.s3(),
                new SimpleMeterRegistry())) {
            CheckpointRefreshRequested req = first.submit(RefreshPlan.of("restarted", null, null, parallel, null,
                    first.layout()));
            id = req.conversionId();
            // stop once the first pipeline stage's shards are written, while later ones are not
            stack.await(stack.topics().checkpointEvents(), r -> decode(r) instanceof ConversionProgress p
                    && p.conversionId().equals(req.conversionId()) && p.phase().equals("converting")
                    && p.shardsDone() >= 2, 1, WAIT);
        }
        String cid = id;
        assertTrue(stack.readAll(stack.topics().checkpointEvents()).stream().map(RestartTest::decode)
                .noneMatch(e -> e != null && e.conversionId().equals(cid)
                        && (e instanceof CheckpointReady || e instanceof CheckpointFailed)),
                "an interrupted conversion must not announce an outcome");
        assertTrue(Files.isDirectory(work.resolve(cid).resolve("mm.partial")), "the work folder is kept");

        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        String version;
        try (ConvertService second = new ConvertService(settings(stack, 0), stack.s3(), metrics)) {
            CheckpointReady ready = (CheckpointReady) decode(stack.await(stack.topics().checkpointEvents(),
                    r -> decode(r) instanceof CheckpointReady x && x.conversionId().equals(cid), 1, WAIT).getFirst());
            version = ready.version();
            assertTrue(metrics.counter("vlmesh.convert.shards.reused").count() >= 2,
                    "the shards finished before the stop were kept");
        }
        assertEquals(1, stack.readAll(stack.topics().checkpointEvents()).stream().map(RestartTest::decode)
                .filter(e -> e instanceof CheckpointReady r && r.conversionId().equals(cid)).count());

        try (ConvertService third = new ConvertService(settings(stack, 0), stack.s3(), new SimpleMeterRegistry())) {
            assertTrue(third.awaitStateRebuilt(WAIT));
            ConversionStatus s = third.registry().conversion(cid).orElseThrow();
            assertEquals(ConversionStatus.State.READY, s.state());
            assertEquals(version, s.version());
            assertEquals(List.of(version), third.registry().versions("restarted").stream()
                    .map(v -> v.version()).toList());
            assertEquals(parallel, third.registry().versions("restarted").getFirst().parallel());
        }
    }
}
