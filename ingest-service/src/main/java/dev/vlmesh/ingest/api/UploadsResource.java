package dev.vlmesh.ingest.api;

import dev.vlmesh.events.quarkus.ApiKeyFilter;
import dev.vlmesh.events.quarkus.Authenticated;
import dev.vlmesh.ingest.IngestConfig;
import dev.vlmesh.ingest.tenants.RateLimiter;
import dev.vlmesh.ingest.uploads.UploadRequests.CompleteUpload;
import dev.vlmesh.ingest.uploads.UploadRequests.CreateUpload;
import dev.vlmesh.ingest.uploads.UploadRequests.UploadStatus;
import dev.vlmesh.ingest.uploads.UploadRequests.UploadTicket;
import dev.vlmesh.ingest.uploads.UploadService;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Presigned uploads for media too large to send through ingest. */
@Path("/v1/uploads")
@Authenticated
@Tag(name = "uploads")
@Produces(MediaType.APPLICATION_JSON)
public class UploadsResource {

    @Inject
    UploadService uploads;

    @Inject
    RateLimiter rateLimiter;

    @Inject
    IngestConfig config;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a presigned upload", description = "Declare the file's exact size and SHA-256; get "
            + "a presigned PUT URL, or for files over the multipart threshold one presigned URL per part. Then "
            + "reference the upload in a job (media[].upload_id): ingest verifies size, type and digest first.")
    @RequestBody(content = @Content(schema = @Schema(implementation = CreateUpload.class)))
    @APIResponse(responseCode = "201", description = "Upload created",
            content = @Content(schema = @Schema(implementation = UploadTicket.class)))
    @APIResponse(responseCode = "413", description = "Declared size over the largest accepted media")
    @APIResponse(responseCode = "422", description = "Missing or invalid size or digest")
    public Response create(InputStream body, @Context ContainerRequestContext request) {
        String tenant = ApiKeyFilter.tenant(request);
        rateLimiter.acquire(tenant, 1);
        CreateUpload req = JsonBodies.parse(JsonBodies.read(body, config.limits().jsonMaxBytes(), "the JSON body"),
                CreateUpload.class, "the upload request");
        UploadTicket t = uploads.create(tenant, req);
        return Response.created(URI.create(t.self())).entity(t).build();
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "State of an upload")
    @APIResponse(responseCode = "200", description = "The upload",
            content = @Content(schema = @Schema(implementation = UploadStatus.class)))
    @APIResponse(responseCode = "404", description = "No such upload for this tenant")
    public UploadStatus get(@PathParam("id") String id, @Context ContainerRequestContext request) {
        return uploads.status(ApiKeyFilter.tenant(request), id);
    }

    @POST
    @Path("/{id}/complete")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Complete a multipart upload", description = "List every part (part_number) with the "
            + "ETag its PUT returned. Optional: a job referencing the upload completes it when all parts are there.")
    @RequestBody(content = @Content(schema = @Schema(implementation = CompleteUpload.class)))
    @APIResponse(responseCode = "200", description = "Completed",
            content = @Content(schema = @Schema(implementation = UploadStatus.class)))
    @APIResponse(responseCode = "409", description = "Not a multipart upload")
    @APIResponse(responseCode = "422", description = "Parts missing or not matching what was uploaded")
    public UploadStatus complete(@PathParam("id") String id, InputStream body,
                                 @Context ContainerRequestContext request) {
        String tenant = ApiKeyFilter.tenant(request);
        CompleteUpload req = JsonBodies.parse(JsonBodies.read(body, config.limits().jsonMaxBytes(), "the JSON body"),
                CompleteUpload.class, "the completion request");
        return uploads.complete(tenant, id, req);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Abort an upload and delete what was uploaded")
    @APIResponse(responseCode = "200", description = "Aborted",
            content = @Content(schema = @Schema(implementation = UploadStatus.class)))
    public UploadStatus abort(@PathParam("id") String id, @Context ContainerRequestContext request) {
        return uploads.abort(ApiKeyFilter.tenant(request), id);
    }
}
