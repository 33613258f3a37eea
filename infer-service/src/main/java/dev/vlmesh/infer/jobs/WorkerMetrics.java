package dev.vlmesh.infer.jobs;

import dev.vlmesh.infer.backend.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The worker's Micrometer meters (Prometheus names in brackets): jobs by outcome ({@code vlmesh_infer_jobs_total}),
 * queue lag ({@code vlmesh_infer_queue_lag_records}), queued and running work, generated tokens, tokens per second,
 * time to first token, vision, prefill and decode time.
 */
public final class WorkerMetrics {

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Counter> outcomes = new ConcurrentHashMap<>();
    private final AtomicLong lag = new AtomicLong();
    private final Counter tokens;
    private final DistributionSummary tokensPerSecond;
    private final Timer ttft;
    private final Timer vision;
    private final Timer prefill;
    private final Timer decode;
    private final Timer jobDuration;

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("vlmesh.infer.queue.lag", lag, AtomicLong::get).baseUnit("records")
                .description("records of the jobs topic not yet consumed by this worker's partitions")
                .register(registry);
        tokens = Counter.builder("vlmesh.infer.tokens.generated")
                .description("tokens generated").register(registry);
        tokensPerSecond = DistributionSummary.builder("vlmesh.infer.tokens.per.second")
                .description("decode speed of each finished generation").publishPercentiles(0.5, 0.9)
                .register(registry);
        ttft = timer("vlmesh.infer.time.to.first.token", "from the start of an attempt to its first token");
        vision = timer("vlmesh.infer.vision", "vision encoding time per generation");
        prefill = timer("vlmesh.infer.prefill", "prompt prefill time per generation");
        decode = timer("vlmesh.infer.decode", "decode time per generation");
        jobDuration = timer("vlmesh.infer.job.duration", "from the start of an attempt to its terminal event");
    }

    private Timer timer(String name, String description) {
        return Timer.builder(name).description(description).publishPercentiles(0.5, 0.9, 0.99).register(registry);
    }

    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    /** completed, cancelled, failed, skipped, dead_lettered, retried, aborted. */
    public void outcome(String outcome) {
        outcomes.computeIfAbsent(outcome, o -> Counter.builder("vlmesh.infer.jobs").tag("outcome", o)
                .description("jobs by outcome").register(registry)).increment();
    }

    public void lag(long records) {
        lag.set(records);
    }

    public void generation(Outcome o, long totalMs) {
        tokens.increment(o.completionTokens());
        if (o.decodeMs() > 0 && o.completionTokens() > 1) {
            tokensPerSecond.record((o.completionTokens() - 1) * 1000.0 / o.decodeMs());
        }
        if (o.completionTokens() > 0) {
            ttft.record(Duration.ofMillis(o.timeToFirstTokenMs()));
        }
        vision.record(Duration.ofMillis(o.visionMs()));
        prefill.record(Duration.ofMillis(o.prefillMs()));
        decode.record(Duration.ofMillis(o.decodeMs()));
        jobDuration.record(Duration.ofMillis(totalMs));
    }

    public MeterRegistry registry() {
        return registry;
    }
}
