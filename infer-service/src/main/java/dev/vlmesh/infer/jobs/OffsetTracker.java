package dev.vlmesh.infer.jobs;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offsets of each partition may be committed while several jobs of one partition are in flight and finish
 * in any order: the commit position is the lowest offset still unfinished, or one past the highest offset seen when
 * everything has finished. A job finishing early never lets the commit jump over a slower job before it.
 */
public final class OffsetTracker {

    private static final class PartitionState {
        final TreeSet<Long> pending = new TreeSet<>();
        long next = -1;
        long committed = -1;
    }

    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();

    /** A record was handed to the worker; it must finish before the commit passes it. */
    public synchronized void register(TopicPartition tp, long offset) {
        PartitionState s = partitions.computeIfAbsent(tp, k -> new PartitionState());
        s.pending.add(offset);
        s.next = Math.max(s.next, offset + 1);
    }

    /** The record's job reached its end (terminal event acknowledged, skipped, or dead-lettered). */
    public synchronized void finish(TopicPartition tp, long offset) {
        PartitionState s = partitions.get(tp);
        if (s != null) {
            s.pending.remove(offset);
        }
    }

    /** Offsets to commit now: only partitions whose commit position moved since the last {@link #committed}. */
    public synchronized Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        partitions.forEach((tp, s) -> {
            long position = s.pending.isEmpty() ? s.next : s.pending.first();
            if (position > s.committed && position >= 0) {
                out.put(tp, new OffsetAndMetadata(position));
            }
        });
        return out;
    }

    /** Records that these offsets reached the broker. */
    public synchronized void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, o) -> {
            PartitionState s = partitions.get(tp);
            if (s != null) {
                s.committed = Math.max(s.committed, o.offset());
            }
        });
    }

    /** The partition left this worker: forget it (its unfinished records go to the new owner). */
    public synchronized void forget(TopicPartition tp) {
        partitions.remove(tp);
    }

    public synchronized int inFlight() {
        return partitions.values().stream().mapToInt(s -> s.pending.size()).sum();
    }
}
