package dev.vlmesh.engine.generate;

import dev.vlmesh.engine.llm.KvCache;
import dev.vlmesh.engine.tokenizer.StreamingDecoder;
import java.util.Arrays;

/**
 * One generation's decode state after its prefill: KV cache, sampler, the logits to sample next from, and what has
 * been generated. {@link #advance} samples one token and reports it; the caller then runs the forward pass that
 * produces the next logits, alone ({@link InternVlModel}) or together with other sequences ({@link DecodeBatch}).
 * Each sequence's arithmetic is the same either way, so its tokens do not depend on what else is running.
 */
final class DecodeSequence {
    final KvCache cache;
    private final Sampler sampler;
    private final boolean[] stop;
    private final TokenListener listener;
    private final StreamingDecoder text;
    private final CancelSignal cancel;
    private final int vocab;
    private final int[] out;
    private int n;
    private FinishReason reason = FinishReason.LENGTH;
    private Throwable failure;
    /** The token sampled by the last {@link #advance}, to be fed to the next forward pass. */
    int next;
    /** Logits of the prefill's last position, until the first {@link #advance} has used them. */
    private float[] first;
    /** Set by the decode loop when the sequence has finished; guarded by the sequence's monitor. */
    private boolean done;

    DecodeSequence(KvCache cache, Sampler sampler, boolean[] stop, TokenListener listener, StreamingDecoder text,
                   CancelSignal cancel, int vocab, int maxNew, float[] prefillLogits) {
        this.cache = cache;
        this.sampler = sampler;
        this.stop = stop;
        this.listener = listener;
        this.text = text;
        this.cancel = cancel;
        this.vocab = vocab;
        this.out = new int[maxNew];
        this.first = Arrays.copyOf(prefillLogits, vocab);
    }

    /**
     * Samples the next token from {@code logits[off, off + vocab)} (or from the prefill's logits on the first call),
     * reports it, and says whether the sequence needs another forward pass with {@link #next}. A listener that throws
     * ends this sequence only: the exception is rethrown to its caller by {@link #result}.
     */
    boolean advance(float[] logits, int off) {
        if (first != null) {
            logits = first;
            off = 0;
            first = null;
        }
        try {
            int token = sampler.next(logits, off, vocab);
            if (stop[token]) {
                reason = FinishReason.STOP;
                return false;
            }
            out[n++] = token;
            sampler.observe(token);
            listener.onToken(token, text.accept(token));
            if (n == out.length) {
                return false;
            }
            if (cancel.isCancelled()) {
                reason = FinishReason.CANCELLED;
                return false;
            }
            next = token;
            return true;
        } catch (RuntimeException | Error e) {
            failure = e;
            return false;
        }
    }

    /** Ends the sequence with an error of the shared forward pass (rethrown to its caller). */
    void fail(Throwable e) {
        failure = e;
    }

    /** Called once when the sequence leaves the decode loop: reports held-back bytes and wakes the caller. */
    void finish() {
        if (failure == null) {
            try {
                String tail = text.finish();
                if (!tail.isEmpty()) {
                    listener.onTail(tail);
                }
            } catch (RuntimeException | Error e) {
                failure = e;
            }
        }
        synchronized (this) {
            done = true;
            notifyAll();
        }
    }

    /** Waits until {@link #finish} has run (uninterruptibly: the cancel signal is how a generation is stopped). */
    void await() {
        boolean interrupted = false;
        synchronized (this) {
            while (!done) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The generated ids (stop token excluded); rethrows a listener's exception. */
    int[] tokens() {
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return Arrays.copyOf(out, n);
    }

    FinishReason reason() {
        return reason;
    }
}
