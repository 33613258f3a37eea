package dev.vlmesh.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.events.ConsumerGroups;
import dev.vlmesh.events.JobCompleted;
import dev.vlmesh.events.JobEvent;
import dev.vlmesh.events.JobStarted;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.stack.KafkaTopics;
import dev.vlmesh.testing.LocalStackExtension;
import dev.vlmesh.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.utils.Utils;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A second worker joins while the first has one job running and five queued, one job per partition: the three
 * partitions that move are handed over cooperatively, their jobs are stopped (or dropped from the queue) on the
 * first worker without a terminal event and run on the second, and every job ends with exactly one terminal event.
 */
@ExtendWith(LocalStackExtension.class)
class RebalanceTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int PARTITIONS = 6;

    @Test
    void aJoiningWorkerTakesPartitionsWithoutDoubleResults(TestStack stack) throws Exception {
        Map<String, String> a = TestWorkers.base(stack);
        a.put("vlmesh.infer.worker-id", "first");
        a.put("vlmesh.infer.batch.max-size", "1");
        a.put("vlmesh.infer.queue.capacity", "12");
        Map<String, String> b = new java.util.HashMap<>(a);
        b.put("vlmesh.infer.worker-id", "second");
        try (JobsClient jobs = new JobsClient(stack);
             InferWorker first = new InferWorker(TestWorkers.settings(a), new SimpleMeterRegistry())) {
            MediaRef image = jobs.upload(Fixtures.image(Fixtures.SINGLE_IMAGE));
            List<JobSubmitted> submitted = new ArrayList<>();
            java.util.Set<Integer> covered = new java.util.HashSet<>();
            while (covered.size() < PARTITIONS) { // one job on every partition (keys hash as the producer does)
                JobSubmitted j = jobs.job("Describe.", List.of(image), 4000, 1);
                int p = Utils.toPositive(Utils.murmur2(j.jobId().getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
                if (covered.add(p)) {
                    submitted.add(jobs.submit(j));
                }
            }
            stack.await(stack.topics().jobEvents(), r -> JobsClient.decode(r) instanceof dev.vlmesh.events.TokenDelta,
                    1, WAIT);
            try (InferWorker second = new InferWorker(TestWorkers.settings(b), new SimpleMeterRegistry())) {
                awaitBothAssigned(stack);
                for (JobSubmitted j : submitted) {
                    jobs.cancel(j.jobId());
                }
                int moved = 0;
                int finishedOnTheirOwn = 0;
                for (JobSubmitted j : submitted) {
                    List<JobEvent> events = jobs.awaitTerminal(j.jobId(), WAIT);
                    JobCompleted done = assertInstanceOf(JobCompleted.class, events.getLast());
                    assertEquals(1, events.stream().filter(JobEvent::terminal).count());
                    if (!done.finishReason().equals("cancelled")) {
                        // On a fast machine the job that was already running can reach its stop token or the
                        // context end before the second worker has joined; it must then be the first worker's.
                        assertTrue(List.of("stop", "length").contains(done.finishReason()), done.finishReason());
                        assertEquals("first", done.workerId());
                        finishedOnTheirOwn++;
                    }
                    List<JobStarted> starts = events.stream().filter(JobStarted.class::isInstance)
                            .map(JobStarted.class::cast).toList();
                    for (int i = 0; i < starts.size(); i++) {
                        assertEquals(i + 1, starts.get(i).attempt(), "attempts count on across workers");
                    }
                    assertEquals(starts.getLast().workerId(), done.workerId());
                    if (done.workerId().equals("second")) {
                        moved++;
                        // if the first worker had started it, it stopped without a result
                        assertTrue(starts.stream().limit(starts.size() - 1).allMatch(x -> x.workerId().equals("first")));
                    }
                }
                // No bound on finishedOnTheirOwn: every job has the same prompt, so the fixture model gives each the
                // same greedy run to its stop token or context end, and on a fast machine the first worker finishes
                // several of them one after another while the second worker joins (seen in CI: more than one). Those
                // are asserted above to be the first worker's, each with exactly one terminal event.
                assertTrue(moved <= PARTITIONS / 2 && moved + finishedOnTheirOwn >= PARTITIONS / 2,
                        "half of the partitions, each with one job, moved (" + moved + " moved, "
                                + finishedOnTheirOwn + " finished before the join)");
            }
        }
    }

    private static void awaitBothAssigned(TestStack stack) throws Exception {
        String group = ConsumerGroups.inferWorkers(stack.namespace());
        long deadline = System.nanoTime() + WAIT.toNanos();
        try (Admin admin = KafkaTopics.admin(stack.settings().kafkaBootstrap())) {
            while (true) {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                long withPartitions = d.members().stream()
                        .map(MemberDescription::assignment).filter(x -> !x.topicPartitions().isEmpty()).count();
                if (d.members().size() == 2 && withPartitions == 2) {
                    return;
                }
                assertTrue(System.nanoTime() < deadline, "both workers got partitions: " + d);
                Thread.sleep(200); // polling the group's state; there is no event for it
            }
        }
    }
}
