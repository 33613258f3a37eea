package dev.vlmesh.ingest.tenants;

import dev.vlmesh.ingest.IngestConfig;
import dev.vlmesh.ingest.api.Problems;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-tenant token bucket: {@code burst} tokens, refilled at {@code ratePerSecond}. Each request takes one token
 * (a batch too: its volume is bounded by the queued-job cap). Kept in memory per instance: a restart forgets it, which grants at most one extra
 * burst, and with N instances behind a balancer a tenant gets up to N times the rate (set the rate accordingly).
 */
@ApplicationScoped
public class RateLimiter {

    @Inject
    IngestConfig config;

    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }
    }

    /** Takes {@code n} tokens or throws a 429 problem saying when enough will be there. */
    public void acquire(String tenant, int n) {
        double rate = config.tenants().ratePerSecond();
        int burst = config.tenants().burst();
        if (n > burst) {
            throw Problems.rateLimited(n + " jobs in one request is more than this tenant's burst of " + burst
                    + "; split the batch", 1);
        }
        long now = System.nanoTime();
        Bucket b = buckets.computeIfAbsent(tenant, t -> new Bucket(burst, now));
        double wait;
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (now - b.refilledAt) / 1e9 * rate);
            b.refilledAt = now;
            if (b.tokens >= n) {
                b.tokens -= n;
                return;
            }
            wait = (n - b.tokens) / rate;
        }
        long seconds = Math.max(1, (long) Math.ceil(wait));
        throw Problems.rateLimited("more than " + rate + " requests per second (burst " + burst
                + ") for this tenant; retry in " + seconds + " s", seconds);
    }
}
