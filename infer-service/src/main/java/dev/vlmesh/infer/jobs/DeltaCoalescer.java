package dev.vlmesh.infer.jobs;

import dev.vlmesh.events.TokenDelta;
import dev.vlmesh.infer.backend.AnswerStripper;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Turns a stream of generated text pieces into {@link TokenDelta} events: a delta goes out when
 * {@code maxTokens} tokens are pending or {@code maxIntervalMs} passed since the last one, whichever comes first,
 * so a fast model does not flood the topic and a slow one still streams. Sequence numbers start at 0 per attempt.
 * The answer is stripped like the reference {@code chat()} strips it: leading whitespace is dropped and trailing
 * whitespace is held back until more text follows, so the concatenation of all deltas is exactly the final text.
 */
public final class DeltaCoalescer {

    private final EventPublisher publisher;
    private final String jobId;
    private final String tenantId;
    private final int attempt;
    private final long maxIntervalNanos;
    private final int maxTokens;
    private final LongSupplier clock;
    private final StringBuilder pending = new StringBuilder();
    private AnswerStripper stripped = new AnswerStripper();
    private Integer segment;
    private final List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
    private int pendingTokens;
    private int totalTokens;
    private long seq;
    private long lastFlush;

    public DeltaCoalescer(EventPublisher publisher, String jobId, String tenantId, int attempt, long maxIntervalMs,
                          int maxTokens, LongSupplier nanoClock) {
        this.publisher = publisher;
        this.jobId = jobId;
        this.tenantId = tenantId;
        this.attempt = attempt;
        this.maxIntervalNanos = maxIntervalMs * 1_000_000;
        this.maxTokens = maxTokens;
        this.clock = nanoClock;
        this.lastFlush = nanoClock.getAsLong();
    }

    /** One decoded token's text (possibly empty while a multi-byte character is incomplete). */
    public synchronized void accept(String text, int tokens) {
        pending.append(stripped.accept(text));
        pendingTokens += tokens;
        totalTokens += tokens;
        if (pendingTokens >= maxTokens || clock.getAsLong() - lastFlush >= maxIntervalNanos) {
            flush();
        }
    }

    /** Adds what the backend's final text has beyond the streamed text (see {@link AnswerStripper#completeWith}). */
    public synchronized void complete(String finalText) {
        pending.append(stripped.completeWith(finalText));
    }

    /** Sends what is pending (nothing if no text is pending). */
    public synchronized void flush() {
        if (pending.isEmpty()) {
            return; // tokens that made no text yet are counted with the next delta
        }
        sent.add(publisher.send(TokenDelta.of(jobId, tenantId, attempt, seq++, pending.toString(), pendingTokens,
                segment)));
        pending.setLength(0);
        pendingTokens = 0;
        lastFlush = clock.getAsLong();
    }

    /**
     * Video segment mode: what follows belongs to window {@code segment} (deltas tagged with it, stripped as an
     * answer of its own, {@link #text()} restarting); what is pending of the previous window is sent first. Sequence
     * numbers continue across windows.
     */
    public synchronized void startSegment(int segment) {
        flush();
        this.segment = segment;
        this.stripped = new AnswerStripper();
    }

    /** Flushes and waits until the broker acknowledged every delta, so a terminal event sent next comes after them. */
    public void finish() throws InterruptedException, EventPublisher.PublishException {
        List<CompletableFuture<RecordMetadata>> toWait;
        synchronized (this) {
            flush();
            toWait = List.copyOf(sent);
        }
        for (CompletableFuture<RecordMetadata> f : toWait) {
            EventPublisher.await(f);
        }
    }

    /** The streamed answer (of the current window in segment mode). */
    public synchronized String text() {
        return stripped.text();
    }

    public synchronized int tokens() {
        return totalTokens;
    }

    public synchronized long deltasSent() {
        return seq;
    }
}
