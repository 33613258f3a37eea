package dev.vlmesh.ingest.idempotency;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.ingest.IngestConfig;
import dev.vlmesh.ingest.api.Problems;
import dev.vlmesh.ingest.store.IngestKeys;
import dev.vlmesh.ingest.store.StateStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Idempotency-Key handling, per tenant, with the records in the object store (see {@link StateStore} for why): the
 * first request with a key claims it with a conditional create; a retry of the same request gets the stored response;
 * a different request with the same key gets 409. A failed attempt releases its claim but keeps its job id, so the
 * retry produces the same job, never a second one.
 */
@ApplicationScoped
public class IdempotencyStore {
    public static final String HEADER = "Idempotency-Key";

    @Inject
    StateStore state;

    @Inject
    IngestConfig config;

    /** The outcome of presenting a key. */
    public sealed interface Claim permits Proceed, Replay {
    }

    /**
     * This request owns the key: go ahead with {@code id}.
     *
     * @param resumed an earlier attempt with this key failed or crashed; its job may or may not have reached Kafka
     */
    public record Proceed(String storeKey, String id, String etag, boolean resumed, IdempotencyRecord record)
            implements Claim {
    }

    /** The request was already answered: send this again. */
    public record Replay(String id, int status, JsonNode response) implements Claim {
    }

    /** Keys are opaque to us but must be sane: 1 to 255 printable ASCII characters. */
    public static void checkKey(String key) {
        if (key == null) {
            return;
        }
        if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7E)) {
            throw Problems.badRequest("the Idempotency-Key header must be 1 to 255 printable ASCII characters "
                    + "without spaces (a UUID is a good choice)");
        }
    }

    public Claim claim(String tenant, String key, String fingerprint, Supplier<String> newId) {
        String storeKey = IngestKeys.idempotency(tenant, key);
        for (int attempt = 0; attempt < 5; attempt++) {
            Instant now = Instant.now();
            Optional<StateStore.Versioned<IdempotencyRecord>> current = state.get(storeKey, IdempotencyRecord.class);
            if (current.isEmpty()) {
                IdempotencyRecord r = pending(tenant, fingerprint, newId.get(), now);
                String etag = state.createIfAbsent(storeKey, r);
                if (etag != null) {
                    return new Proceed(storeKey, r.resourceId(), etag, false, r);
                }
                continue; // a concurrent request claimed it first: look again
            }
            IdempotencyRecord r = current.get().value();
            String etag = current.get().etag();
            if (r.createdAt().plus(config.idempotency().ttl()).isBefore(now)) {
                IdempotencyRecord fresh = pending(tenant, fingerprint, newId.get(), now);
                String newEtag = state.replaceIfMatch(storeKey, fresh, etag);
                if (newEtag != null) {
                    return new Proceed(storeKey, fresh.resourceId(), newEtag, false, fresh);
                }
                continue;
            }
            if (!r.fingerprint().equals(fingerprint)) {
                throw Problems.conflict("idempotency-key-reused", "this Idempotency-Key was already used at "
                        + r.createdAt() + " for a different request (job " + r.resourceId() + "); use a new key for "
                        + "a new request");
            }
            if (IdempotencyRecord.DONE.equals(r.state())) {
                JsonNode response = IdempotencyRecord.SNAKE_CASE.equals(r.responseNaming()) ? r.response()
                        : StoredResponses.snakeCase(r.response());
                return new Replay(r.resourceId(), r.status() == null ? 202 : r.status(), response);
            }
            if (r.leaseUntil() != null && r.leaseUntil().isAfter(now)) {
                throw Problems.conflictRetry("idempotency-key-in-use", "a request with this Idempotency-Key is still "
                        + "being processed; retry in a few seconds to get its result", 2);
            }
            IdempotencyRecord taken = new IdempotencyRecord(r.tenant(), r.fingerprint(), r.resourceId(),
                    IdempotencyRecord.PENDING, r.createdAt(), now.plus(config.idempotency().lease()), null, null, null);
            String newEtag = state.replaceIfMatch(storeKey, taken, etag);
            if (newEtag != null) {
                return new Proceed(storeKey, r.resourceId(), newEtag, true, taken);
            }
        }
        throw Problems.conflictRetry("idempotency-key-in-use", "concurrent requests are using this Idempotency-Key; "
                + "retry in a few seconds", 2);
    }

    /**
     * Records the final answer; later requests with the key get it again. The answer's type names its members
     * (snake_case), so the tree stored here is the body the client got.
     */
    public void complete(Proceed p, int status, Object response) {
        IdempotencyRecord r = p.record();
        IdempotencyRecord done = new IdempotencyRecord(r.tenant(), r.fingerprint(), r.resourceId(),
                IdempotencyRecord.DONE, r.createdAt(), null, status, EventCodec.json().valueToTree(response),
                IdempotencyRecord.SNAKE_CASE);
        state.put(p.storeKey(), done);
    }

    /** The attempt failed in a way a retry may fix (broker or store unavailable): keep the id, free the key. */
    public void release(Proceed p) {
        IdempotencyRecord r = p.record();
        IdempotencyRecord free = new IdempotencyRecord(r.tenant(), r.fingerprint(), r.resourceId(),
                IdempotencyRecord.PENDING, r.createdAt(), Instant.now(), null, null, null);
        state.replaceIfMatch(p.storeKey(), free, p.etag());
    }

    /** The request was refused before anything was submitted: forget the key, as if it was never seen. */
    public void forget(Proceed p) {
        if (!p.resumed()) {
            state.delete(p.storeKey());
        } else {
            release(p);
        }
    }

    private IdempotencyRecord pending(String tenant, String fingerprint, String id, Instant now) {
        return new IdempotencyRecord(tenant, fingerprint, id, IdempotencyRecord.PENDING, now,
                now.plus(config.idempotency().lease()), null, null, null);
    }
}
