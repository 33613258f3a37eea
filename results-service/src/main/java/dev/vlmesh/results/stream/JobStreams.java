package dev.vlmesh.results.stream;

import dev.vlmesh.events.quarkus.Problem;
import dev.vlmesh.results.ResultsConfig;
import dev.vlmesh.results.state.JobState;
import dev.vlmesh.results.state.JobStateStore;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.Optional;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Opens SSE streams: a job's numbered events (replayed from the store, then live), or a tenant's live events. */
@ApplicationScoped
public class JobStreams {

    @Inject
    JobStateStore store;

    @Inject
    JobBus bus;

    @Inject
    ResultsConfig config;

    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sse-heartbeat");
        t.setDaemon(true);
        return t;
    });

    /**
     * Streams job {@code jobId} to the client, starting after {@code lastEventId}. A job that is unknown (or another
     * tenant's, which looks the same) is waited for during the grace period, then answered with 404; a job whose
     * terminal event the client already has gets 204, which tells EventSource to stop reconnecting.
     */
    public void streamJob(String tenant, String jobId, long lastEventId, SseEventSink sink, Sse sse) {
        SseConnection c = new SseConnection(sink, sse, senders, true, lastEventId);
        c.subscribed(bus.subscribeJob(jobId, c::onEvent));
        JobState job;
        try {
            job = awaitVisible(tenant, jobId, c);
        } catch (RuntimeException e) {
            c.abandon();
            throw e;
        }
        if (job.status.terminal() && lastEventId >= job.streamSeq) {
            c.abandon();
            throw new WebApplicationException(Response.noContent().build());
        }
        c.activate(() -> store.eventsAfter(jobId, lastEventId), timer, config.heartbeat().toMillis());
    }

    /** Streams every event of the tenant's jobs from now on. */
    public void streamTenant(String tenant, SseEventSink sink, Sse sse) {
        SseConnection c = new SseConnection(sink, sse, senders, false, 0);
        c.subscribed(bus.subscribeTenant(tenant, c::onEvent));
        c.activate(java.util.List::of, timer, config.heartbeat().toMillis());
    }

    private JobState awaitVisible(String tenant, String jobId, SseConnection c) {
        long deadline = System.nanoTime() + config.unknownJobGrace().toNanos();
        while (true) {
            Optional<JobState> job;
            try {
                job = store.job(jobId).filter(j -> j.tenantId.equals(tenant));
            } catch (InvalidStateStoreException | Problem.ProblemException notReady) {
                // restoring or rebalancing: within the grace period this is worth waiting for, like a new job
                if (System.nanoTime() > deadline) {
                    throw JobStateStore.unavailable("restoring");
                }
                pause(100);
                continue;
            }
            if (job.isPresent()) {
                return job.get();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw JobAccess.notFound(jobId);
            }
            try {
                // wakes up when the first event of this job arrives; another tenant's job keeps waiting until the
                // deadline, so that its existence does not show in the response time
                c.firstEvent().get(left, TimeUnit.NANOSECONDS);
                if (store.job(jobId).filter(j -> j.tenantId.equals(tenant)).isEmpty()) {
                    pause((deadline - System.nanoTime()) / 1_000_000);
                }
            } catch (TimeoutException e) {
                // loop: one last look, then 404
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Problem.ProblemException(Problem.of(503, "interrupted", "Interrupted", "shutting down"));
            }
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(Math.max(0, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Problem.ProblemException(Problem.of(503, "interrupted", "Interrupted", "shutting down"));
        }
    }

    @PreDestroy
    void stop() {
        timer.shutdownNow();
        senders.shutdownNow();
    }
}
