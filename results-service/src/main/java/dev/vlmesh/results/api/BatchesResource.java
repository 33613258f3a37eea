package dev.vlmesh.results.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.vlmesh.events.quarkus.ApiKeyFilter;
import dev.vlmesh.events.quarkus.Authenticated;
import dev.vlmesh.events.quarkus.Problem;
import dev.vlmesh.results.state.JobState;
import dev.vlmesh.results.state.JobStateStore;
import dev.vlmesh.results.state.JobStatus;
import dev.vlmesh.results.state.StoreJson;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Batches: progress, and results as JSON Lines keyed by custom_id (shaped like OpenAI's batch output file). */
@Path("/v1/batches")
@Authenticated
@Tag(name = "batches")
public class BatchesResource {

    public static final String JSONL = "application/jsonl";

    @Inject
    JobStateStore store;

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A batch's progress: counts per status")
    @APIResponse(responseCode = "200", description = "the batch",
            content = @Content(schema = @Schema(implementation = BatchView.class)))
    @APIResponse(responseCode = "404", description = "no such batch for this API key",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public BatchView get(@PathParam("id") String id, @Context ContainerRequestContext request) {
        return BatchView.of(id, jobs(id, request));
    }

    @GET
    @Path("/{id}/results")
    @Produces({JSONL, Problem.MEDIA_TYPE})
    @Operation(summary = "Results of the batch's finished jobs, one JSON object per line",
            description = "Each line: {\"id\": job id, \"custom_id\": …, \"response\": {\"status_code\": 200, "
                    + "\"body\": job} or null, \"error\": {\"code\", \"message\"} or null}. Failed and cancelled "
                    + "jobs carry an error. Jobs still queued or running are left out; the X-Batch-Status "
                    + "header says whether more will come.")
    @APIResponse(responseCode = "200", description = "JSON Lines", content = @Content(mediaType = JSONL))
    @APIResponse(responseCode = "404", description = "no such batch for this API key",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Response results(@PathParam("id") String id, @Context ContainerRequestContext request) {
        List<JobState> jobs = jobs(id, request);
        BatchView view = BatchView.of(id, jobs);
        StreamingOutput body = out -> {
            for (JobState j : jobs) {
                if (j.status.terminal()) {
                    out.write(StoreJson.api(line(j)).getBytes(StandardCharsets.UTF_8));
                    out.write('\n');
                }
            }
        };
        return Response.ok(body, JSONL).header("X-Batch-Status", view.status()).build();
    }

    /** One line of the results file; response and error are always present, one of them null. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ResultLine(String id, String customId, LineResponse response, LineError error) {
    }

    public record LineResponse(int statusCode, JobView body) {
    }

    public record LineError(String code, String message) {
    }

    private static ResultLine line(JobState j) {
        if (j.status == JobStatus.succeeded) {
            return new ResultLine(j.jobId, j.customId, new LineResponse(200, JobView.of(j)), null);
        }
        LineError error = j.status == JobStatus.cancelled ? new LineError("cancelled", "the job was cancelled")
                : new LineError(j.error == null ? "unknown" : j.error.code(), j.error == null ? "" : j.error.message());
        return new ResultLine(j.jobId, j.customId, null, error);
    }

    private List<JobState> jobs(String id, ContainerRequestContext request) {
        String batchId = Params.id("id", id);
        List<JobState> jobs = store.batch(ApiKeyFilter.tenant(request), batchId);
        if (jobs.isEmpty()) {
            throw new Problem.ProblemException(Problem.of(404, "batch-not-found", "Batch not found",
                    "No batch '" + id + "' for this API key."));
        }
        return jobs;
    }
}
