package dev.vlmesh.results.api;

import dev.vlmesh.events.quarkus.ApiKeyFilter;
import dev.vlmesh.events.quarkus.Authenticated;
import dev.vlmesh.results.stream.JobStreams;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** All of a tenant's job events, live. */
@Path("/v1/events")
@Authenticated
@Tag(name = "jobs")
public class EventsResource {

    @Inject
    JobStreams streams;

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @BrowserKey
    @Operation(summary = "Every event of the tenant's jobs from now on, as Server-Sent Events",
            description = "Live only (no replay, no event ids): submitted, started, delta, segment, completed, "
                    + "failed, each with job_id and its per-job seq. Use /v1/jobs/{id}/events to follow one job "
                    + "with resume.")
    @APIResponse(responseCode = "200", description = "event stream",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS))
    public void events(@Context SseEventSink sink, @Context Sse sse, @Context ContainerRequestContext request) {
        streams.streamTenant(ApiKeyFilter.tenant(request), sink, sse);
    }
}
