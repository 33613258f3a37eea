package dev.vlmesh.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.testing.LocalStackExtension;
import dev.vlmesh.testing.TestStack;
import io.minio.GetObjectArgs;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The foundation against the real broker and the real S3 server of the local stack. */
@ExtendWith(LocalStackExtension.class)
class LocalStackRoundTripTest {

    @Test
    void eventsCrossTheBrokerWithTheirHeaders(TestStack stack) throws Exception {
        JobSubmitted sent = (JobSubmitted) EventCodecTest.oneOfEach().getFirst();
        try (KafkaProducer<String, byte[]> p = stack.producer()) {
            p.send(TestStack.codec().record(stack.topics().jobsSubmitted(), sent)).get();
        }
        ConsumerRecord<byte[], byte[]> r = stack.await(stack.topics().jobsSubmitted(), x -> true, 1,
                Duration.ofSeconds(30)).getFirst();
        assertEquals(sent.jobId(), new String(r.key(), StandardCharsets.UTF_8));
        assertEquals("dev.vlmesh.job.submitted.v1", CloudEventHeaders.read(r.headers(), "ce_type"));
        assertEquals(sent, EventCodec.decode(r.headers(), r.value(), JobSubmitted.class));
    }

    @Test
    void objectsWrittenThroughMinioReadBackIdentical(TestStack stack) throws Exception {
        byte[] data = new byte[7 * 1024 * 1024 + 13]; // above the client's multipart threshold
        new Random(42).nextBytes(data);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        String key = StoreLayout.mediaKey(sha);
        String bucket = stack.layout().mediaBucket();
        stack.s3().putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(new ByteArrayInputStream(data), data.length, -1).contentType("application/octet-stream")
                .build());
        assertEquals(data.length, stack.s3().statObject(StatObjectArgs.builder().bucket(bucket).object(key).build())
                .size());
        try (InputStream in = stack.s3().getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            assertArrayEquals(data, in.readAllBytes());
        }
    }

    @Test
    void malformedRecordGoesToDeadLetterTopicAndThePartitionKeepsFlowing(TestStack stack) throws Exception {
        String topic = stack.topics().jobsSubmitted();
        String group = ConsumerGroups.inferWorkers(stack.namespace());
        JobSubmitted template = (JobSubmitted) EventCodecTest.oneOfEach().getFirst();
        JobSubmitted good = JobSubmitted.of("job_dlq", template.tenantId(), null, null, template.task(),
                template.prompt(), template.media(), template.options(), template.model(), null, 0, null);
        RecordHeaders badHeaders = new RecordHeaders();
        badHeaders.add(CloudEventHeaders.TYPE, EventType.JOB_SUBMITTED.ceType().getBytes(StandardCharsets.UTF_8));
        try (KafkaProducer<String, byte[]> p = stack.producer()) {
            // same key, so both land on one partition: the poison record first, the good one behind it
            p.send(new ProducerRecord<>(topic, null, good.jobId(), "{\"jobId\": 1, oops".getBytes(), badHeaders))
                    .get();
            p.send(TestStack.codec().record(topic, good)).get();
        }

        List<JobSubmitted> processed = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                KafkaSettings.consumer(stack.settings().kafkaBootstrap(), group, "dlq-test"));
             KafkaProducer<byte[], byte[]> dlqProducer = stack.rawProducer()) {
            DeadLetterRouter router = new DeadLetterRouter(dlqProducer, stack.topics().deadLetter(), group);
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (processed.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Optional<JobSubmitted> e = router.decode(r, JobSubmitted.class);
                    e.filter(j -> j.jobId().equals(good.jobId())).ifPresent(processed::add);
                }
                consumer.commitSync();
            }
        }
        assertEquals(List.of(good), processed, "the good record behind the poison one is processed");

        ConsumerRecord<byte[], byte[]> dead = stack.await(stack.topics().deadLetter(), x -> true, 1,
                Duration.ofSeconds(30)).getFirst();
        DeadLetters.DeadLetter d = DeadLetters.DeadLetter.of(dead);
        assertEquals(ErrorCodes.UNREADABLE_RECORD, d.code());
        assertTrue(d.reason().startsWith("invalid JSON for dev.vlmesh.job.submitted.v1"), d.reason());
        assertEquals(topic, d.topic());
        assertEquals(group, d.group());
        assertArrayEquals("{\"jobId\": 1, oops".getBytes(), d.value());
        assertEquals(good.jobId(), new String(dead.key(), StandardCharsets.UTF_8));
    }
}
