package dev.vlmesh.convert.state;

import dev.vlmesh.convert.state.ConversionStatus.State;
import dev.vlmesh.events.CheckpointEvent;
import dev.vlmesh.events.CheckpointFailed;
import dev.vlmesh.events.CheckpointReady;
import dev.vlmesh.events.CheckpointRefreshRequested;
import dev.vlmesh.events.ConversionProgress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Conversions and versions, rebuilt after a restart from the checkpoint topics (every request, progress, ready and
 * failed event) and from the manifests in the store, then kept current by the same events. Applying an event twice,
 * or a progress event after the outcome, changes nothing: the topics may be replayed at any time.
 */
public final class ConversionRegistry {

    private final Map<String, ConversionStatus> conversions = new ConcurrentHashMap<>();
    private final Map<String, Map<String, VersionInfo>> versions = new ConcurrentHashMap<>();

    public void apply(CheckpointEvent event) {
        conversions.compute(event.conversionId(), (id, old) -> next(old, event));
        if (event instanceof CheckpointReady r) {
            versions.computeIfAbsent(r.modelName(), m -> new ConcurrentHashMap<>())
                    .compute(r.version(), (v, old) -> old != null ? old : new VersionInfo(r.modelName(),
                            r.version(), r.bucket(), r.manifestKey(), r.layout(), r.parallel(), null,
                            r.sourceDigest(), r.conversionId(), r.time()));
        }
    }

    /** A version found in the store (its manifest); store facts win over what an event said. */
    public void addVersion(VersionInfo v) {
        versions.computeIfAbsent(v.modelName(), m -> new ConcurrentHashMap<>()).merge(v.version(), v,
                (old, fresh) -> new VersionInfo(fresh.modelName(), fresh.version(), fresh.bucket(),
                        fresh.manifestKey(), fresh.layout(), fresh.parallel(), fresh.outputFormat(),
                        fresh.sourceDigest(), old.conversionId() != null ? old.conversionId() : fresh.conversionId(),
                        old.createdAt() != null && fresh.createdAt() == null ? old.createdAt() : fresh.createdAt()));
    }

    private static ConversionStatus next(ConversionStatus old, CheckpointEvent e) {
        return switch (e) {
            case CheckpointRefreshRequested r -> old != null ? old : queued(r);
            case ConversionProgress p -> {
                ConversionStatus b = base(old, e);
                yield b.state().terminal() ? b : new ConversionStatus(b.conversionId(), b.modelName(), State.RUNNING,
                        p.phase(), p.shardsDone(), p.shardsTotal(), p.bytesDone(), p.bytesTotal(), null, null, null,
                        b.sourceDigest(), null, null, b.sourceBucket(), b.sourcePrefix(), b.parallel(),
                        b.outputFormat(), b.requestedAt(), p.time());
            }
            case CheckpointReady r -> {
                ConversionStatus b = base(old, e);
                yield new ConversionStatus(b.conversionId(), b.modelName(), State.READY, "done", b.shardsTotal(),
                        b.shardsTotal(), b.bytesTotal(), b.bytesTotal(), r.version(), r.bucket(), r.manifestKey(),
                        r.sourceDigest(), null, null, b.sourceBucket(), b.sourcePrefix(),
                        r.parallel() != null ? r.parallel() : b.parallel(), b.outputFormat(), b.requestedAt(),
                        r.time());
            }
            case CheckpointFailed f -> {
                ConversionStatus b = base(old, e);
                yield b.state() == State.READY ? b : new ConversionStatus(b.conversionId(), b.modelName(),
                        State.FAILED, "failed", b.shardsDone(), b.shardsTotal(), b.bytesDone(), b.bytesTotal(), null,
                        null, null, b.sourceDigest(), f.code(), f.reason(), b.sourceBucket(), b.sourcePrefix(),
                        b.parallel(), b.outputFormat(), b.requestedAt(), f.time());
            }
        };
    }

    /** The status of a request that was just accepted. */
    public static ConversionStatus queued(CheckpointRefreshRequested r) {
        return new ConversionStatus(r.conversionId(), r.modelName(), State.QUEUED, "queued", 0, 0, 0, 0, null, null,
                null, null, null, null, r.sourceBucket(), r.sourcePrefix(), r.parallel(), r.outputFormat(), r.time(),
                r.time());
    }

    /** The status so far, or a placeholder when the request itself was not seen (e.g. compacted away). */
    private static ConversionStatus base(ConversionStatus old, CheckpointEvent e) {
        return old != null ? old : new ConversionStatus(e.conversionId(), e.modelName(), State.QUEUED, "queued", 0,
                0, 0, 0, null, null, null, null, null, null, null, null, null, null, e.time(), e.time());
    }

    public Optional<ConversionStatus> conversion(String id) {
        return Optional.ofNullable(conversions.get(id));
    }

    /** Conversions of a model (all models if null), newest request first. */
    public List<ConversionStatus> conversions(String model) {
        List<ConversionStatus> out = new ArrayList<>();
        for (ConversionStatus s : conversions.values()) {
            if (model == null || model.equals(s.modelName())) {
                out.add(s);
            }
        }
        out.sort(Comparator.comparing(ConversionStatus::requestedAt, Comparator.nullsLast(Comparator.reverseOrder())));
        return out;
    }

    /** Versions of a model, newest first. */
    public List<VersionInfo> versions(String model) {
        List<VersionInfo> out = new ArrayList<>(versions.getOrDefault(model, Map.of()).values());
        out.sort(Comparator.comparing(VersionInfo::createdAt, Comparator.nullsLast(Comparator.reverseOrder()))
                .thenComparing(VersionInfo::version));
        return out;
    }

    public Optional<VersionInfo> version(String model, String version) {
        return Optional.ofNullable(versions.getOrDefault(model, Map.of()).get(version));
    }
}
