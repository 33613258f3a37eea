package dev.vlmesh.results.webhook;

import java.time.Instant;

/**
 * A webhook not yet delivered, as kept in the {@code webhooks} state store (so it survives restarts).
 *
 * @param webhookId  the Standard Webhooks message id: the job's terminal eventId, the same on every instance
 * @param type       {@code job.succeeded}, {@code job.failed} or {@code job.cancelled}
 * @param payload    the exact JSON body that is signed and sent
 */
public record PendingWebhook(
        String webhookId,
        String jobId,
        String tenantId,
        String url,
        String type,
        String payload,
        int attempts,
        Instant nextAttemptAt,
        Instant createdAt,
        Integer lastStatusCode,
        String lastError) {

    public PendingWebhook afterFailure(Instant next, Integer statusCode, String error) {
        return new PendingWebhook(webhookId, jobId, tenantId, url, type, payload, attempts + 1, next, createdAt,
                statusCode, error);
    }
}
