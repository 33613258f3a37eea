package dev.vlmesh.results.api;

import dev.vlmesh.events.JobCancelRequested;
import dev.vlmesh.events.quarkus.ApiKeyFilter;
import dev.vlmesh.events.quarkus.Authenticated;
import dev.vlmesh.events.quarkus.Problem;
import dev.vlmesh.results.ResultsConfig;
import dev.vlmesh.results.state.JobState;
import dev.vlmesh.results.state.JobStateStore;
import dev.vlmesh.results.state.JobStatus;
import dev.vlmesh.results.stream.JobAccess;
import dev.vlmesh.results.stream.JobStreams;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A tenant's jobs: state, listing, live answer stream, cancel. */
@Path("/v1/jobs")
@Authenticated
@Tag(name = "jobs")
public class JobsResource {

    @Inject
    JobStateStore store;

    @Inject
    JobStreams streams;

    @Inject
    CancelRequests cancels;

    @Inject
    ResultsConfig config;

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A job's state, answer so far, usage, timings and error")
    @APIResponse(responseCode = "200", description = "the job",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "404", description = "no such job for this API key",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public JobView get(@PathParam("id") String id, @Context ContainerRequestContext request) {
        return JobView.of(JobAccess.visible(store, ApiKeyFilter.tenant(request), id));
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The tenant's jobs, newest first, filtered and paginated with a cursor")
    @APIResponse(responseCode = "200", description = "one page",
            content = @Content(schema = @Schema(implementation = JobList.class)))
    @APIResponse(responseCode = "400", description = "invalid filter or cursor",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public JobList list(
            @Parameter(description = "comma-separated: queued, running, succeeded, failed, cancelled")
            @QueryParam("status") String status,
            @Parameter(description = "only jobs of this batch") @QueryParam("batch_id") String batchId,
            @Parameter(description = "ISO-8601 instant, inclusive") @QueryParam("created_after") String after,
            @Parameter(description = "ISO-8601 instant, exclusive") @QueryParam("created_before") String before,
            @Parameter(description = "page size, 1..max (default 20)") @QueryParam("limit") Integer limit,
            @Parameter(description = "next_cursor of the previous page") @QueryParam("after") String cursor,
            @Context ContainerRequestContext request) {
        Set<JobStatus> statuses = Params.statuses(status);
        Instant createdAfter = Params.instant("created_after", after);
        Instant createdBefore = Params.instant("created_before", before);
        JobStateStore.Page page = store.list(ApiKeyFilter.tenant(request), Params.id("batch_id", batchId), createdAfter,
                createdBefore, Params.decodeCursor(cursor), j -> statuses.contains(j.status),
                Params.limit(limit, config.maxPageSize()));
        return new JobList("list", page.jobs().stream().map(JobView::of).toList(), page.nextCursor() != null,
                Params.encodeCursor(page.nextCursor()));
    }

    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @BrowserKey
    @Operation(summary = "The job's events as Server-Sent Events",
            description = "Everything so far, then live, closed after the terminal event (completed or failed). "
                    + "Event ids count 1, 2, 3 … per job; reconnect with Last-Event-ID (or ?last_event_id=) to get "
                    + "exactly the events after it. Events: started (reset=true: a retry discards earlier text), "
                    + "delta (append text), segment (video segment mode), completed, failed. "
                    + "204 when the client already has the terminal event. Browsers may pass the key as ?api_key= "
                    + "or the vlmesh_api_key cookie.")
    @APIResponse(responseCode = "200", description = "event stream",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS))
    @APIResponse(responseCode = "204", description = "the stream already ended at or before Last-Event-ID")
    @APIResponse(responseCode = "404", description = "no such job for this API key",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public void events(@PathParam("id") String id,
                       @HeaderParam("Last-Event-ID") String lastEventId,
                       @Parameter(description = "alternative to the Last-Event-ID header")
                       @QueryParam("last_event_id") String lastEventIdQuery,
                       @Context SseEventSink sink, @Context Sse sse, @Context ContainerRequestContext request) {
        streams.streamJob(ApiKeyFilter.tenant(request), id, Params.lastEventId(lastEventId, lastEventIdQuery), sink, sse);
    }

    @POST
    @Path("/{id}/cancel")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Ask the workers to stop the job",
            description = "Publishes JobCancelRequested on the control topic. The job ends as cancelled (with the "
                    + "text generated so far) when its worker stops; a queued job is dropped when a worker takes it.")
    @APIResponse(responseCode = "202", description = "cancel requested")
    @APIResponse(responseCode = "404", description = "no such job for this API key",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "409", description = "the job has already ended",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Response cancel(@PathParam("id") String id, @Context ContainerRequestContext request) {
        String tenant = ApiKeyFilter.tenant(request);
        JobState job = JobAccess.visible(store, tenant, id);
        if (job.status.terminal()) {
            throw new Problem.ProblemException(Problem.of(409, "job-ended", "Job already ended",
                    "Job '" + id + "' is " + job.status + "; there is nothing to cancel.").with("status",
                    job.status.name()));
        }
        JobCancelRequested e = cancels.request(id, tenant, "requested through the API");
        return Response.accepted(Map.of("id", id, "status", job.status.name(), "cancel_requested", true,
                "cancel_event_id", e.eventId())).type(MediaType.APPLICATION_JSON).build();
    }
}
