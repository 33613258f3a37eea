package dev.vlmesh.results.webhook;

import dev.vlmesh.results.api.JobView;
import dev.vlmesh.results.state.JobState;
import dev.vlmesh.results.state.JobStatus;
import dev.vlmesh.results.state.StoreJson;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * The durable webhook outbox. When a job with a callback URL ends, the stream thread writes a {@link PendingWebhook}
 * into the {@code webhooks} store (changelogged, so it survives restarts and lost disks). A wall-clock punctuator on
 * the same thread hands due entries to the {@link WebhookSender} (which posts them off-thread) and applies the
 * outcomes: delivered entries leave the store, failed ones come back after an exponential backoff, until
 * {@code max-attempts}. Delivery is at least once: a crash between a successful post and its removal means one more
 * post with the same {@code webhook-id}, which receivers use to drop the repeat.
 */
public final class WebhookOutbox {

    private static final Logger LOG = Logger.getLogger(WebhookOutbox.class);

    private final WebhookSender sender;
    private final WebhookConfig config;

    public WebhookOutbox(WebhookSender sender, WebhookConfig config) {
        this.sender = sender;
        this.config = config;
    }

    /** Called on the stream thread when {@code s} has just become terminal. */
    public void enqueueIfDue(JobState s, KeyValueStore<String, byte[]> webhooks) {
        if (s.callbackUrl == null || s.callbackUrl.isBlank() || s.webhook != null) {
            return;
        }
        String type = "job." + s.status.name();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type);
        body.put("timestamp", s.finishedAt.toString());
        body.put("data", JobView.of(s));
        PendingWebhook w = new PendingWebhook("msg_" + s.terminalEventId, s.jobId, s.tenantId, s.callbackUrl, type,
                StoreJson.api(body), 0, s.finishedAt, s.finishedAt, null, null);
        webhooks.put(s.jobId, StoreJson.write(w));
        s.webhook = new JobState.WebhookState(JobState.WebhookState.PENDING, 0, null, null, null, null);
    }

    /** Registers the punctuator of one task. */
    public void schedule(ProcessorContext<?, ?> context, int partition, KeyValueStore<String, byte[]> webhooks,
                         KeyValueStore<String, byte[]> jobs) {
        context.schedule(config.pollInterval(), PunctuationType.WALL_CLOCK_TIME,
                ts -> punctuate(partition, webhooks, jobs, Instant.ofEpochMilli(ts)));
    }

    private void punctuate(int partition, KeyValueStore<String, byte[]> webhooks,
                           KeyValueStore<String, byte[]> jobs, Instant now) {
        for (WebhookSender.Result r : sender.drain(partition)) {
            apply(r, webhooks, jobs, now);
        }
        if (!config.enabled()) {
            return;
        }
        List<PendingWebhook> due = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = webhooks.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                PendingWebhook w = StoreJson.read(kv.value, PendingWebhook.class);
                if (!w.nextAttemptAt().isAfter(now)) {
                    due.add(w);
                }
            }
        }
        due.forEach(w -> sender.offer(partition, w));
    }

    private void apply(WebhookSender.Result r, KeyValueStore<String, byte[]> webhooks,
                       KeyValueStore<String, byte[]> jobs, Instant now) {
        PendingWebhook w = StoreJson.read(webhooks.get(r.webhook().jobId()), PendingWebhook.class);
        if (w == null || !w.webhookId().equals(r.webhook().webhookId())) {
            return; // already settled
        }
        JobState s = StoreJson.read(jobs.get(w.jobId()), JobState.class);
        int attempts = w.attempts() + 1;
        JobState.WebhookState state;
        if (r.delivered()) {
            webhooks.delete(w.jobId());
            state = new JobState.WebhookState(JobState.WebhookState.DELIVERED, attempts, r.at(), r.statusCode(),
                    null, r.at());
            LOG.debugf("webhook %s for job %s delivered after %d attempt(s)", w.webhookId(), w.jobId(), attempts);
        } else if (r.permanent() || attempts >= config.maxAttempts()) {
            webhooks.delete(w.jobId());
            state = new JobState.WebhookState(JobState.WebhookState.GAVE_UP, attempts, r.at(), r.statusCode(),
                    r.error(), null);
            LOG.warnf("webhook %s for job %s given up after %d attempt(s): %s", w.webhookId(), w.jobId(), attempts,
                    r.error());
        } else {
            Instant next = now.plus(backoff(attempts));
            webhooks.put(w.jobId(), StoreJson.write(w.afterFailure(next, r.statusCode(), r.error())));
            state = new JobState.WebhookState(JobState.WebhookState.PENDING, attempts, r.at(), r.statusCode(),
                    r.error(), null);
        }
        if (s != null && s.status != JobStatus.queued) {
            s.webhook = state;
            jobs.put(s.jobId, StoreJson.write(s));
        }
    }

    /** initial × 2^(attempts-1), capped, with ±20% jitter so that receivers coming back are not hit in lockstep. */
    Duration backoff(int attempts) {
        long base = config.initialBackoff().toMillis();
        long capped = Math.min(config.maxBackoff().toMillis(), base << Math.min(30, attempts - 1));
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis(Math.max(1, (long) (capped * jitter)));
    }
}
