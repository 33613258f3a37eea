package dev.vlmesh.infer.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

    private static final TopicPartition P0 = new TopicPartition("jobs", 0);
    private static final TopicPartition P1 = new TopicPartition("jobs", 1);

    @Test
    void commitsOnlyUpToTheLowestUnfinishedOffset() {
        OffsetTracker t = new OffsetTracker();
        for (long o = 10; o < 15; o++) {
            t.register(P0, o);
        }
        assertEquals(Map.of(P0, new OffsetAndMetadata(10)), t.committable(), "nothing finished: commit stays at 10");
        t.committed(t.committable());
        t.finish(P0, 12);
        t.finish(P0, 13);
        assertTrue(t.committable().isEmpty(), "12 and 13 finished but 10 still runs: no progress");
        t.finish(P0, 10);
        assertEquals(Map.of(P0, new OffsetAndMetadata(11)), t.committable());
        t.committed(t.committable());
        t.finish(P0, 11);
        assertEquals(Map.of(P0, new OffsetAndMetadata(14)), t.committable(), "10..13 done: next is 14");
        t.committed(t.committable());
        t.finish(P0, 14);
        assertEquals(Map.of(P0, new OffsetAndMetadata(15)), t.committable(), "all done: one past the last");
        assertEquals(0, t.inFlight());
    }

    @Test
    void partitionsAreIndependentAndForgettable() {
        OffsetTracker t = new OffsetTracker();
        t.register(P0, 0);
        t.register(P1, 7);
        t.finish(P1, 7);
        Map<TopicPartition, OffsetAndMetadata> c = t.committable();
        assertEquals(new OffsetAndMetadata(0), c.get(P0));
        assertEquals(new OffsetAndMetadata(8), c.get(P1));
        t.committed(c);
        t.forget(P0);
        t.finish(P0, 0); // a job of a revoked partition ending late changes nothing
        assertTrue(t.committable().isEmpty());
        assertEquals(0, t.inFlight());
    }
}
