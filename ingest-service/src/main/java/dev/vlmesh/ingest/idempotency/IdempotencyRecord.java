package dev.vlmesh.ingest.idempotency;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * What ingest remembers about one Idempotency-Key of one tenant.
 *
 * @param fingerprint SHA-256 of the canonical request (fields and media identities)
 * @param resourceId  the job (or batch) id given to this request; kept across failed attempts so a retry after an
 *                    ambiguous broker failure reuses it instead of creating a second job
 * @param state       pending (an attempt holds or held the key) or done (response is final)
 * @param leaseUntil  a pending attempt owns the key until then; an attempt that fails releases it at once
 * @param responseNaming how the stored response names its members: {@link #SNAKE_CASE}, or null for a response
 *                    stored before the public API went snake_case (camelCase; renamed when replayed)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IdempotencyRecord(String tenant, String fingerprint, String resourceId, String state,
                                Instant createdAt, Instant leaseUntil, Integer status, JsonNode response,
                                String responseNaming) {
    public static final String PENDING = "pending";
    public static final String DONE = "done";
    public static final String SNAKE_CASE = "snake_case";
}
