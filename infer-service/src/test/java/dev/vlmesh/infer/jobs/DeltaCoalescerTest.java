package dev.vlmesh.infer.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vlmesh.events.TokenDelta;
import dev.vlmesh.infer.JobsClient;
import dev.vlmesh.testing.LocalStackExtension;
import dev.vlmesh.testing.TestStack;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The coalescing rule on the real broker, with a clock the test moves: 16 tokens or 50 ms, whichever first. */
@ExtendWith(LocalStackExtension.class)
class DeltaCoalescerTest {

    @Test
    void groupsTokensBySizeAndTime(TestStack stack) throws Exception {
        AtomicLong now = new AtomicLong();
        try (KafkaProducer<String, byte[]> producer = stack.producer()) {
            EventPublisher publisher = new EventPublisher(producer, TestStack.codec(), stack.topics().jobEvents());
            DeltaCoalescer d = new DeltaCoalescer(publisher, "job_delta", "demo", 1, 50, 16, now::get);
            for (int i = 0; i < 40; i++) { // fast tokens: 1 ms apart
                now.addAndGet(1_000_000);
                d.accept("t" + i + " ", 1);
            }
            for (int i = 0; i < 3; i++) { // slow tokens: 60 ms apart, each goes out at once
                now.addAndGet(60_000_000);
                d.accept("s" + i + " ", 1);
            }
            d.accept("\uFFFD", 0);
            d.finish();
        }
        List<TokenDelta> deltas = stack.await(stack.topics().jobEvents(), r -> true, 6, Duration.ofSeconds(30))
                .stream().map(r -> (TokenDelta) JobsClient.decode(r)).toList();
        // 16 + 16 fast tokens by size; the 8 left go out with the first slow token (50 ms passed), then one delta
        // per slow token; the last piece (no token of its own) goes out when the job finishes
        assertEquals(List.of(16, 16, 9, 1, 1, 0), deltas.stream().map(TokenDelta::tokens).toList());
        for (int i = 0; i < deltas.size(); i++) {
            assertEquals(i, deltas.get(i).seq());
        }
        StringBuilder all = new StringBuilder();
        deltas.forEach(t -> all.append(t.text()));
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            expected.append("t").append(i).append(' ');
        }
        expected.append("s0 s1 s2 \uFFFD");
        assertEquals(expected.toString(), all.toString());
    }
}
