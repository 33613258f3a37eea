package dev.vlmesh.convert;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.convert.Manifest;
import dev.vlmesh.engine.convert.Verifier;
import dev.vlmesh.events.CheckpointEvent;
import dev.vlmesh.events.CheckpointFailed;
import dev.vlmesh.events.CheckpointReady;
import dev.vlmesh.events.CheckpointRefreshRequested;
import dev.vlmesh.events.ConversionProgress;
import dev.vlmesh.events.DeadLetters;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.ParallelConfig;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.VlmeshEvent;
import dev.vlmesh.testing.LocalStackResource;
import dev.vlmesh.testing.TestStack;
import io.minio.StatObjectArgs;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The service end to end on the real local broker and S3 server: a refresh through the REST API and one through the
 * requests topic, progress then ready events, the converted checkpoint in the store (manifest, files, verified
 * against the fixture), the same source and config answered with the same version without converting, refusals
 * published as failed events with stable codes, and unreadable records dead-lettered.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
class ConvertServiceEndToEndTest {
    private static final String KEY = "Bearer vlmesh-demo-key";
    private static final Duration WAIT = Duration.ofSeconds(120);

    TestStack stack;

    private List<CheckpointEvent> eventsOf(String conversionId, int atLeast, Class<?> until) {
        stack.await(stack.topics().checkpointEvents(), r -> {
            CheckpointEvent e = decode(r);
            return e != null && e.conversionId().equals(conversionId) && until.isInstance(e);
        }, 1, WAIT);
        List<CheckpointEvent> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : stack.readAll(stack.topics().checkpointEvents())) {
            CheckpointEvent e = decode(r);
            if (e != null && e.conversionId().equals(conversionId)) {
                out.add(e);
            }
        }
        assertTrue(out.size() >= atLeast, out::toString);
        return out;
    }

    private static CheckpointEvent decode(ConsumerRecord<byte[], byte[]> r) {
        try {
            VlmeshEvent e = EventCodec.decode(r.headers(), r.value());
            return e instanceof CheckpointEvent c ? c : null;
        } catch (Exception e) {
            return null;
        }
    }

    private String post(String json) {
        return given().header("Authorization", KEY).contentType("application/json").body(json)
                .when().post("/v1/checkpoints").then().statusCode(202)
                .body("state", equalTo("QUEUED"))
                .extract().path("conversionId");
    }

    @Test
    void refreshOverHttpConvertsVerifiesUploadsAndAnnounces() throws Exception {
        String bucket = stack.layout().checkpointBucket();
        Fixtures.upload(stack.s3(), bucket, StoreLayout.sourcePrefix("vit6b"), Fixtures.model(Fixtures.B, "hf"));
        String id = post("""
                {"modelName":"vit6b","outputFormat":"torch",
                 "parallel":{"tp":2,"llmPpLayers":[[1,1,1,1]],"vitPpLayers":[[3,0,0,0]]}}""");

        List<CheckpointEvent> events = eventsOf(id, 3, CheckpointReady.class);
        List<String> phases = events.stream().filter(e -> e instanceof ConversionProgress)
                .map(e -> ((ConversionProgress) e).phase()).distinct().toList();
        assertEquals(List.of("downloading", "converting", "verifying", "uploading"), phases);
        CheckpointReady ready = (CheckpointReady) events.getLast();
        assertEquals("mindspeed-mm", ready.layout());
        assertEquals(new ParallelConfig(2, List.of(List.of(1, 1, 1, 1)), List.of(List.of(3, 0, 0, 0))),
                ready.parallel());
        assertEquals(StoreLayout.manifestKey("vit6b", ready.version()), ready.manifestKey());
        assertTrue(ready.sourceDigest().startsWith("sha256:"));

        given().header("Authorization", KEY).when().get("/v1/checkpoints/" + id).then().statusCode(200)
                .body("state", equalTo("READY")).body("version", equalTo(ready.version()));
        given().header("Authorization", KEY).when().get("/v1/models/vit6b/versions").then().statusCode(200)
                .body("version", hasItem(ready.version()));

        Path local = Files.createTempDirectory("vlmesh-e2e");
        List<String> keys = Fixtures.download(stack.s3(), bucket, StoreLayout.modelVersionPrefix("vit6b",
                ready.version()), local);
        assertTrue(keys.contains(ready.manifestKey()));
        assertTrue(Files.isRegularFile(local.resolve("release/mp_rank_01_003/model_optim_rng.pt")));
        Manifest m = Manifest.read(local.resolve("manifest.json"));
        assertEquals(ready.sourceDigest(), m.source().digest());
        assertEquals(m.files().size() + 1, keys.size(), "exactly the manifest's files plus the manifest");
        Verifier.Report report = Verifier.verify(local, Fixtures.model(Fixtures.B, "hf"), true, local.getParent());
        assertTrue(report.ok(), () -> String.join("\n", report.problems()));

        // the same source and config again, this time as a Kafka record: same version, nothing converted
        long shardTime = stack.s3().statObject(StatObjectArgs.builder().bucket(bucket)
                .object(StoreLayout.modelVersionPrefix("vit6b", ready.version())
                        + "release/mp_rank_00_000/model.safetensors").build()).lastModified().toEpochSecond();
        CheckpointRefreshRequested again = CheckpointRefreshRequested.of("again-" + id, "vit6b", null, null,
                new ParallelConfig(2, List.of(List.of(1, 1, 1, 1)), List.of(List.of(3, 0, 0, 0))), "torch");
        try (KafkaProducer<String, byte[]> p = stack.producer()) {
            p.send(TestStack.codec().record(stack.topics().checkpointRequests(), again)).get();
        }
        List<CheckpointEvent> second = eventsOf(again.conversionId(), 1, CheckpointReady.class);
        assertEquals(ready.version(), ((CheckpointReady) second.getLast()).version());
        assertFalse(second.stream().anyMatch(e -> e instanceof ConversionProgress p
                && p.phase().equals("converting")), "an existing version must not be converted again");
        assertEquals(shardTime, stack.s3().statObject(StatObjectArgs.builder().bucket(bucket)
                .object(StoreLayout.modelVersionPrefix("vit6b", ready.version())
                        + "release/mp_rank_00_000/model.safetensors").build()).lastModified().toEpochSecond());
    }

    @Test
    void refusalsBecomeFailedEventsWithStableCodes() throws Exception {
        String bucket = stack.layout().checkpointBucket();
        // only a pickle: refused without loading it
        Fixtures.put(stack.s3(), bucket, "sources/pickled/config.json",
                Files.readAllBytes(Fixtures.model(Fixtures.C, "hf").resolve("config.json")));
        Fixtures.put(stack.s3(), bucket, "sources/pickled/pytorch_model.bin",
                "cos\nsystem\n(S'echo pwned'\ntR.".getBytes(StandardCharsets.US_ASCII));
        String pickled = post("{\"modelName\":\"pickled\"}");
        CheckpointFailed f1 = (CheckpointFailed) eventsOf(pickled, 1, CheckpointFailed.class).getLast();
        assertEquals(ErrorCodes.UNSUPPORTED_FORMAT, f1.code());
        assertTrue(f1.reason().contains("pytorch_model.bin") && f1.reason().contains("s3://"), f1.reason());

        // a parallel config the model cannot take (2 KV heads, tp 4)
        Fixtures.upload(stack.s3(), bucket, "sources/sharded/", Fixtures.model(Fixtures.C, "original"));
        String badTp = post("""
                {"modelName":"sharded","parallel":{"tp":4,"llmPpLayers":[[4]],"vitPpLayers":[[2]]}}""");
        CheckpointFailed f2 = (CheckpointFailed) eventsOf(badTp, 1, CheckpointFailed.class).getLast();
        assertEquals(ErrorCodes.BAD_PARALLEL_CONFIG, f2.code());
        assertTrue(f2.reason().contains("KV heads"), f2.reason());
        given().header("Authorization", KEY).when().get("/v1/checkpoints/" + badTp).then().statusCode(200)
                .body("state", equalTo("FAILED")).body("code", equalTo(ErrorCodes.BAD_PARALLEL_CONFIG));

        // nothing under the prefix
        String missing = post("{\"modelName\":\"nothing-here\"}");
        assertEquals(ErrorCodes.SOURCE_NOT_FOUND,
                ((CheckpointFailed) eventsOf(missing, 1, CheckpointFailed.class).getLast()).code());

        // refused at the door: 400 problems, nothing queued
        given().header("Authorization", KEY).contentType("application/json")
                .body("{\"modelName\":\"x\",\"parallel\":{\"tp\":0,\"llmPpLayers\":[[4]],\"vitPpLayers\":[[2]]}}")
                .when().post("/v1/checkpoints").then().statusCode(400)
                .body("type", equalTo("https://vlmesh.dev/problems/bad_parallel_config"));
        given().header("Authorization", KEY).contentType("application/json")
                .body("{\"modelName\":\"../etc\"}").when().post("/v1/checkpoints").then().statusCode(400);
        given().header("Authorization", KEY).contentType("application/json")
                .body("{\"modelName\":\"x\",\"outputFormat\":\"pickle\"}").when().post("/v1/checkpoints").then()
                .statusCode(400).body("type", equalTo("https://vlmesh.dev/problems/unsupported_format"));
        given().contentType("application/json").body("{\"modelName\":\"x\"}").when().post("/v1/checkpoints").then()
                .statusCode(401);
        given().header("Authorization", KEY).when().get("/v1/checkpoints/no-such-id").then().statusCode(404);
    }

    @Test
    void unreadableRequestsAreDeadLetteredAndTheQueueKeepsFlowing() throws Exception {
        try (KafkaProducer<String, byte[]> p = stack.producer()) {
            ProducerRecord<String, byte[]> junk = new ProducerRecord<>(stack.topics().checkpointRequests(), "junk",
                    "{not json".getBytes(StandardCharsets.UTF_8));
            junk.headers().add("ce_type", "dev.vlmesh.checkpoint.refresh_requested.v1".getBytes(
                    StandardCharsets.UTF_8));
            p.send(junk).get();
        }
        List<ConsumerRecord<byte[], byte[]>> dead = stack.await(stack.topics().deadLetter(),
                r -> "junk".equals(r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8)), 1, WAIT);
        assertEquals(ErrorCodes.UNREADABLE_RECORD, new String(dead.getFirst().headers().lastHeader(DeadLetters.CODE)
                .value(), StandardCharsets.UTF_8));
        // same key, so same partition: a later request behind it is still served
        String after = post("{\"modelName\":\"junk\"}");
        assertEquals(ErrorCodes.SOURCE_NOT_FOUND,
                ((CheckpointFailed) eventsOf(after, 1, CheckpointFailed.class).getLast()).code());
    }
}
