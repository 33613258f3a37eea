package dev.vlmesh.results.stream;

import dev.vlmesh.results.state.StreamEvent;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * One SSE client. Everything that touches the sink runs on this connection's {@link SerialExecutor}, so events leave
 * in order even though they come from two sources: the store (history, read once on activation) and the bus (live).
 * Live events that arrive before the history was read are buffered; every event is sent only if its seq is above
 * the last one sent, so the overlap between history and live is sent once.
 */
final class SseConnection {

    private static final Logger LOG = Logger.getLogger(SseConnection.class);
    static final long RECONNECT_DELAY_MS = 1000;

    private final SseEventSink sink;
    private final Sse sse;
    private final SerialExecutor serial;
    private final boolean perJob;
    private final CompletableFuture<Void> firstEvent = new CompletableFuture<>();

    // confined to the serial executor
    private long lastSent;
    private boolean live;
    private final List<StreamEvent> buffered = new ArrayList<>();
    private final Map<String, Long> lastSentPerJob = new HashMap<>();
    private boolean retrySent;
    private boolean headSent;

    private volatile boolean closed;
    private Runnable unsubscribe = () -> { };
    private ScheduledFuture<?> heartbeat;

    /**
     * @param perJob   true for a job's numbered stream (replay + live, ends at the terminal event); false for the
     *                 tenant-wide live stream
     * @param lastSent the client's Last-Event-ID (per-job streams)
     */
    SseConnection(SseEventSink sink, Sse sse, Executor backing, boolean perJob, long lastSent) {
        this.sink = sink;
        this.sse = sse;
        this.serial = new SerialExecutor(backing);
        this.perJob = perJob;
        this.lastSent = lastSent;
    }

    void subscribed(Runnable unsubscribe) {
        this.unsubscribe = unsubscribe;
    }

    /** Completes when any event for the subscription arrives (used while waiting for a just-submitted job). */
    CompletableFuture<Void> firstEvent() {
        return firstEvent;
    }

    /** Bus listener: called on the stream thread, so it only queues. */
    void onEvent(StreamEvent e) {
        firstEvent.complete(null);
        serial.execute(() -> {
            if (live) {
                send(e);
            } else {
                buffered.add(e);
            }
        });
    }

    /** Sends the history, then whatever arrived meanwhile, then goes live. */
    void activate(Supplier<List<StreamEvent>> history, ScheduledExecutorService timer, long heartbeatMs) {
        serial.execute(() -> {
            try {
                if (perJob) {
                    for (StreamEvent e : history.get()) {
                        send(e);
                    }
                }
                for (StreamEvent e : buffered) {
                    send(e);
                }
                buffered.clear();
                live = true;
                if (!perJob) {
                    sendComment("connected");
                }
            } catch (RuntimeException e) {
                LOG.warnf(e, "could not replay stream history");
                close();
            }
        });
        heartbeat = timer.scheduleAtFixedRate(() -> serial.execute(() -> sendComment("keep-alive")),
                heartbeatMs, heartbeatMs, TimeUnit.MILLISECONDS);
    }

    private void send(StreamEvent e) {
        if (closed) {
            return;
        }
        if (sink.isClosed()) {
            close();
            return;
        }
        OutboundSseEvent.Builder b = sse.newEventBuilder().name(e.name()).data(e.data())
                .mediaType(MediaType.TEXT_PLAIN_TYPE);
        if (perJob) {
            if (e.seq() <= lastSent) {
                return; // sent already (history/live overlap, or the client had it before reconnecting)
            }
            b.id(Long.toString(e.seq()));
            lastSent = e.seq();
        } else if (e.seq() > 0) {
            Long prev = lastSentPerJob.get(e.jobId());
            if (prev != null && e.seq() <= prev) {
                return;
            }
            if (e.terminal()) {
                lastSentPerJob.remove(e.jobId());
            } else {
                lastSentPerJob.put(e.jobId(), e.seq());
            }
        }
        if (!retrySent) {
            b.reconnectDelay(RECONNECT_DELAY_MS);
            retrySent = true;
        }
        write(b.build());
        if (perJob && e.terminal()) {
            close();
        }
    }

    private void sendComment(String text) {
        if (!closed) {
            if (sink.isClosed()) {
                close();
            } else {
                write(sse.newEventBuilder().comment(text).build());
            }
        }
    }

    private void write(OutboundSseEvent event) {
        java.util.concurrent.CompletionStage<?> sent;
        try {
            sent = sink.send(event);
        } catch (IllegalStateException e) {
            LOG.debugf("SSE response unusable: %s", e.toString());
            close();
            return;
        }
        if (!headSent) {
            // The first send also writes the response head, asynchronously; a second send issued before it has
            // completed tries to write the head again ("Response head already sent") and the stream dies. So the
            // first one is awaited (on this connection's serial sender, never on the event loop).
            headSent = true;
            try {
                sent.toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                LOG.debugf("SSE client gone: %s", e.toString());
                close();
            }
            return;
        }
        sent.whenComplete((ok, failure) -> {
            if (failure != null) {
                LOG.debugf("SSE client gone: %s", failure.toString());
                serial.execute(this::close);
            }
        });
    }

    /** Before activation: gives up the subscription without touching the response, which then carries an error. */
    void abandon() {
        closed = true;
        unsubscribe.run();
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        unsubscribe.run();
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        try {
            sink.close();
        } catch (RuntimeException ignored) {
            // the client may have gone already
        }
    }
}
