package dev.vlmesh.ingest.api;

import dev.vlmesh.events.quarkus.ApiKeyFilter;
import dev.vlmesh.events.quarkus.Authenticated;
import dev.vlmesh.ingest.IngestConfig;
import dev.vlmesh.ingest.batches.BatchAccepted;
import dev.vlmesh.ingest.batches.BatchService;
import dev.vlmesh.ingest.idempotency.IdempotencyStore;
import dev.vlmesh.ingest.jobs.JobService;
import dev.vlmesh.ingest.tenants.RateLimiter;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code POST /v1/batches}: many jobs at once, as JSON Lines. */
@Path("/v1/batches")
@Authenticated
@Tag(name = "batches")
@Produces(MediaType.APPLICATION_JSON)
public class BatchesResource {

    @Inject
    BatchService batches;

    @Inject
    IngestConfig config;

    @Inject
    RateLimiter rateLimiter;

    @POST
    @Consumes({"application/jsonl", "application/x-ndjson", "application/x-jsonlines", "text/plain",
        MediaType.APPLICATION_JSON})
    @Operation(summary = "Submit a batch of jobs", description = "One JSON job request per line, each with its "
            + "custom_id, referencing media by sha256 or upload_id; or OpenAI-style lines {custom_id, method, url: "
            + "/v1/jobs, body}. Bad lines are listed in 'errors' and the good ones become jobs, all in one Kafka "
            + "transaction.")
    @APIResponse(responseCode = "202", description = "Accepted (some lines may be listed in errors)",
            content = @Content(schema = @Schema(implementation = BatchAccepted.class)))
    @APIResponse(responseCode = "413", description = "Too many lines or bytes")
    @APIResponse(responseCode = "422", description = "No line is a valid job request")
    @APIResponse(responseCode = "429", description = "Rate limit or queued-job cap; see Retry-After")
    @APIResponse(responseCode = "503", description = "Broker or store unavailable; no job accepted; see Retry-After")
    public Response submit(InputStream body, @HeaderParam(IdempotencyStore.HEADER) String idempotencyKey,
                           @HeaderParam("Accept-Language") String acceptLanguage,
                           @Context ContainerRequestContext request) {
        String tenant = ApiKeyFilter.tenant(request);
        IdempotencyStore.checkKey(idempotencyKey);
        // one request, one token: a batch's volume is bounded by the queued-job cap, not by the request rate
        rateLimiter.acquire(tenant, 1);
        byte[] bytes = JsonBodies.read(body, config.limits().batchMaxBytes(), "the batch");
        JobService.Outcome o = batches.submit(tenant, bytes, idempotencyKey, acceptLanguage);
        return Responses.accepted(o, null);
    }
}
