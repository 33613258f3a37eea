package dev.vlmesh.results.api;

import dev.vlmesh.events.quarkus.ApiKeyFilter;
import dev.vlmesh.events.quarkus.Authenticated;
import dev.vlmesh.results.webhook.WebhookSender;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** What a webhook receiver needs to verify vlmesh's signatures. */
@Path("/v1/webhooks")
@Authenticated
@Tag(name = "webhooks")
public class WebhooksResource {

    @Inject
    WebhookSender sender;

    @GET
    @Path("/secret")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The tenant's webhook signing secret (Standard Webhooks, whsec_ form)",
            description = "Jobs submitted with a callback URL get a POST when they end (job.succeeded, job.failed, "
                    + "job.cancelled) with headers webhook-id, webhook-timestamp and webhook-signature: "
                    + "v1,base64(HMAC-SHA256(base64-decoded secret, id.timestamp.body)). Retried with exponential "
                    + "backoff until a 2xx; the same webhook-id on every retry.")
    public Map<String, String> secret(@Context ContainerRequestContext request) {
        return Map.of("secret", sender.signer().secretFor(ApiKeyFilter.tenant(request)),
                "scheme", "standard-webhooks-v1");
    }
}
