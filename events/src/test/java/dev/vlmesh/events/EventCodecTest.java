package dev.vlmesh.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private final EventCodec codec = new EventCodec("/vlmesh/test");

    static List<VlmeshEvent> oneOfEach() {
        MediaRef media = new MediaRef(MediaRef.Kind.image, "vlmesh-media", StoreLayout.mediaKey("a".repeat(64)),
                "a".repeat(64), 1234, "png", 640, 480, null, null);
        ParallelConfig pc = new ParallelConfig(2, List.of(List.of(1, 1, 1, 1)), List.of(List.of(2, 0, 0, 0)));
        return List.of(
                JobSubmitted.of("job_1", "acme", "batch_1", "c-1", Task.DESCRIBE, "Describe the image.", List.of(media),
                        new GenerationOptions(64, 6, null, 0.0, null, null, 7L, null, null, null), "demo", null, 0,
                        "http://127.0.0.1:1/hook"),
                JobStarted.of("job_1", "acme", "w-1", "demo", "v1", 1),
                TokenDelta.of("job_1", "acme", 1, 0, "一个红色", 3, null),
                SegmentCompleted.of("job_1", "acme", 1, 0, 0.0, 10.0, "A circle moves."),
                JobCompleted.of("job_1", "acme", 1, "A red circle.", "stop", new Usage(300, 256, 5),
                        new Timings(1, 2, 3, 4, 5, 6, 7, 28), "demo", "v1", "w-1"),
                JobFailed.of("job_1", "acme", 3, ErrorCodes.MEDIA_INVALID, "truncated PNG", "w-1"),
                JobCancelRequested.of("job_1", "acme", "user"),
                CheckpointRefreshRequested.of("conv_1", "demo", "vlmesh-checkpoints", "sources/demo/", pc,
                        "safetensors"),
                ConversionProgress.of("conv_1", "demo", "writing", 1, 4, 100, 400),
                CheckpointReady.of("conv_1", "demo", "v1", "vlmesh-checkpoints", StoreLayout.manifestKey("demo", "v1"),
                        "mindspeed-mm", pc, "sha256:00"),
                CheckpointFailed.of("conv_1", "demo", ErrorCodes.MISSING_TENSOR, "mlp1.0.weight is missing"));
    }

    @Test
    void everyEventTypeRoundTripsWithCloudEventsHeaders() throws Exception {
        List<VlmeshEvent> events = oneOfEach();
        assertEquals(EventType.values().length, events.size(), "one sample per event type");
        for (VlmeshEvent e : events) {
            ProducerRecord<String, byte[]> r = codec.record("t", e);
            assertEquals(e.key(), r.key());
            assertEquals("1.0", CloudEventHeaders.read(r.headers(), "ce_specversion"));
            assertEquals(e.eventId(), CloudEventHeaders.read(r.headers(), "ce_id"));
            assertEquals("/vlmesh/test", CloudEventHeaders.read(r.headers(), "ce_source"));
            assertEquals(e.type().ceType(), CloudEventHeaders.read(r.headers(), "ce_type"));
            assertEquals(e.time().toString(), CloudEventHeaders.read(r.headers(), "ce_time"));
            assertEquals(e, EventCodec.decode(r.headers(), r.value()));
        }
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        JobStarted e = JobStarted.of("job_2", "acme", "w", "demo", "v1", 1);
        String json = new String(EventCodec.toJson(e), StandardCharsets.UTF_8)
                .replaceFirst("\\{", "{\"someFutureField\":{\"x\":[1,2]},");
        VlmeshEvent back = EventCodec.decode(headers(e.type().ceType()), json.getBytes(StandardCharsets.UTF_8));
        assertEquals(e, back);
    }

    @Test
    void unreadableRecordsSayWhy() {
        byte[] ok = EventCodec.toJson(JobStarted.of("job_3", "acme", "w", "demo", "v1", 1));
        assertReason("missing ce_type", new RecordHeaders(), ok);
        assertReason("unknown event type 'x.y'", headers("x.y"), ok);
        assertReason("invalid JSON", headers(EventType.JOB_STARTED.ceType()), "{not json".getBytes());
        assertReason("empty value", headers(EventType.JOB_STARTED.ceType()), new byte[0]);
        String noJob = new String(ok, StandardCharsets.UTF_8).replace("\"jobId\":\"job_3\",", "");
        assertReason("missing jobId", headers(EventType.JOB_STARTED.ceType()), noJob.getBytes());
        String future = new String(ok, StandardCharsets.UTF_8).replace("\"schemaVersion\":1", "\"schemaVersion\":99");
        assertReason("unsupported schemaVersion 99", headers(EventType.JOB_STARTED.ceType()), future.getBytes());
    }

    @Test
    void decodeInsistsOnTheExpectedClass() {
        ProducerRecord<String, byte[]> r = codec.record("t", JobStarted.of("job_4", "acme", "w", "m", "v", 1));
        UnreadableRecordException ex = assertThrows(UnreadableRecordException.class,
                () -> EventCodec.decode(r.headers(), r.value(), JobSubmitted.class));
        assertTrue(ex.getMessage().contains("expected JobSubmitted"), ex.getMessage());
    }

    @Test
    void terminalEventsAreTheCompletedAndFailedOnes() {
        for (VlmeshEvent e : oneOfEach()) {
            if (e instanceof JobEvent j) {
                assertEquals(j instanceof JobCompleted || j instanceof JobFailed, j.terminal(), j.toString());
            } else {
                assertInstanceOf(CheckpointEvent.class, e);
            }
        }
    }

    @Test
    void storeKeysRefuseNamesThatClimbOut() {
        assertThrows(IllegalArgumentException.class, () -> StoreLayout.sourcePrefix("../etc"));
        assertThrows(IllegalArgumentException.class, () -> StoreLayout.modelVersionPrefix("demo", "v1/../../x"));
        assertThrows(IllegalArgumentException.class, () -> StoreLayout.mediaKey("ABC"));
        assertEquals("models/demo/v1/manifest.json", StoreLayout.manifestKey("demo", "v1"));
    }

    private static Headers headers(String ceType) {
        Headers h = new RecordHeaders();
        h.add("ce_type", ceType.getBytes(StandardCharsets.UTF_8));
        return h;
    }

    private static void assertReason(String expected, Headers h, byte[] value) {
        UnreadableRecordException ex = assertThrows(UnreadableRecordException.class,
                () -> EventCodec.decode(h, value));
        assertTrue(ex.getMessage().contains(expected), "reason '" + ex.getMessage() + "' should mention " + expected);
    }
}
