package dev.vlmesh.ingest.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vlmesh.events.quarkus.ApiKeyFilter;
import dev.vlmesh.events.quarkus.Authenticated;
import dev.vlmesh.ingest.IngestConfig;
import dev.vlmesh.ingest.idempotency.IdempotencyStore;
import dev.vlmesh.ingest.jobs.Fingerprints;
import dev.vlmesh.ingest.jobs.JobAccepted;
import dev.vlmesh.ingest.jobs.JobRequest;
import dev.vlmesh.ingest.jobs.JobRequestValidator;
import dev.vlmesh.ingest.jobs.JobService;
import dev.vlmesh.ingest.jobs.MediaInput;
import dev.vlmesh.ingest.jobs.ValidatedJob;
import dev.vlmesh.ingest.media.MediaIntake;
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
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.server.multipart.FormValue;
import org.jboss.resteasy.reactive.server.multipart.MultipartFormDataInput;

/** {@code POST /v1/jobs}: a job with media sent along (multipart) or referenced (JSON). */
@Path("/v1/jobs")
@Authenticated
@Tag(name = "jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobsResource {
    /**
     * Form fields that are job fields, and single options; everything else in a form is a file. The snake_case names
     * are the documented ones; the camelCase ones are accepted as well (see {@link JobRequest}).
     */
    private static final List<String> FIELDS = List.of("task", "prompt", "language", "model", "model_version",
            "priority", "callback_url", "custom_id");
    private static final List<String> OPTIONS = List.of("max_new_tokens", "max_tiles", "num_frames", "temperature",
            "top_p", "top_k", "seed", "segment_seconds", "start_seconds", "end_seconds");
    private static final Set<String> FIELD_ALIASES = Set.of("modelVersion", "callbackUrl", "customId");
    private static final Set<String> OPTION_ALIASES = Set.of("maxNewTokens", "maxTiles", "max_num", "numFrames",
            "num_segments", "topP", "topK", "segmentSeconds", "startSeconds", "endSeconds");

    @Inject
    IngestConfig config;

    @Inject
    JobRequestValidator validator;

    @Inject
    MediaIntake intake;

    @Inject
    JobService jobs;

    @Inject
    RateLimiter rateLimiter;

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(summary = "Submit a job with media files", description = "Multipart form: one or more files (any "
            + "part with a file name; the type is read from the content), and the job fields as form fields: task, "
            + "prompt, language, model, model_version, priority, callback_url, custom_id, options (JSON) or single "
            + "options (max_new_tokens, max_tiles, num_frames, temperature, top_p, top_k, seed, segment_seconds, "
            + "start_seconds, end_seconds), or the whole request as JSON in a 'request' field. The camelCase names "
            + "(customId, maxNewTokens, …) are accepted too.")
    @RequestBody(content = @Content(mediaType = MediaType.MULTIPART_FORM_DATA,
            schema = @Schema(type = SchemaType.OBJECT)))
    @APIResponse(responseCode = "202", description = "Accepted: media stored and the job on Kafka",
            content = @Content(schema = @Schema(implementation = JobAccepted.class)))
    @APIResponse(responseCode = "400", description = "Malformed request")
    @APIResponse(responseCode = "409", description = "Idempotency-Key reused for another request, or in use")
    @APIResponse(responseCode = "413", description = "A file or the request is too large")
    @APIResponse(responseCode = "415", description = "A file is not an accepted image or video (by content)")
    @APIResponse(responseCode = "422", description = "A field is invalid, or a file is broken or over a limit")
    @APIResponse(responseCode = "429", description = "Rate limit or queued-job cap; see Retry-After")
    @APIResponse(responseCode = "503", description = "Broker or store unavailable; nothing accepted; see Retry-After")
    public Response submitMultipart(MultipartFormDataInput form,
                                    @Parameter(description = "Same key, same request: same job")
                                    @HeaderParam(IdempotencyStore.HEADER) String idempotencyKey,
                                    @HeaderParam("Accept-Language") String acceptLanguage,
                                    @Context ContainerRequestContext request) {
        String tenant = ApiKeyFilter.tenant(request);
        IdempotencyStore.checkKey(idempotencyKey);
        rateLimiter.acquire(tenant, 1);
        ObjectNode fields = JsonBodies.STRICT.createObjectNode();
        ObjectNode options = JsonBodies.STRICT.createObjectNode();
        List<FormValue> files = new ArrayList<>();
        for (Map.Entry<String, Collection<FormValue>> e : form.getValues().entrySet()) {
            String name = e.getKey();
            for (FormValue v : e.getValue()) {
                if (v.isFileItem()) {
                    files.add(v);
                } else if (name.equals("request")) {
                    JsonNode whole = JsonBodies.parse(v.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            JsonNode.class, "the 'request' field");
                    if (!whole.isObject()) {
                        throw Problems.invalidField("request", "'request' must be a JSON object");
                    }
                    whole.fields().forEachRemaining(f -> fields.set(f.getKey(), f.getValue()));
                } else if (name.equals("options")) {
                    JsonNode o = JsonBodies.parse(v.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            JsonNode.class, "the 'options' field");
                    if (!o.isObject()) {
                        throw Problems.invalidField("options", "'options' must be a JSON object");
                    }
                    options.setAll((ObjectNode) o);
                } else if (name.equals("media")) {
                    JsonNode m = JsonBodies.parse(v.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            JsonNode.class, "the 'media' field");
                    ArrayNode list = fields.has("media") && fields.get("media").isArray()
                            ? (ArrayNode) fields.get("media") : fields.putArray("media");
                    if (m.isArray()) {
                        list.addAll((ArrayNode) m);
                    } else {
                        list.add(m);
                    }
                } else if (FIELDS.contains(name) || FIELD_ALIASES.contains(name)) {
                    fields.put(name, v.getValue());
                } else if (OPTIONS.contains(name) || OPTION_ALIASES.contains(name)) {
                    options.put(name, v.getValue());
                } else {
                    throw Problems.invalidField(name, "unknown form field '" + name + "': send files as file parts, "
                            + "and only the job fields " + FIELDS + " or options " + OPTIONS);
                }
            }
        }
        if (!options.isEmpty()) {
            JsonNode existing = fields.get("options");
            if (existing instanceof ObjectNode o) {
                o.setAll(options);
            } else {
                fields.set("options", options);
            }
        }
        JobRequest req = JsonBodies.convert(fields, JobRequest.class, "the form");
        ValidatedJob job = validator.validate(req, acceptLanguage, files.size());
        List<MediaInput> media = references(req);
        List<java.nio.file.Path> spooled = new ArrayList<>();
        try {
            for (FormValue f : files) {
                java.nio.file.Path path = f.getFileItem().getFile();
                if (f.getFileItem().isInMemory() || path == null) {
                    path = spool(f);
                    spooled.add(path);
                }
                media.add(new MediaInput.Attached(intake.verify(path, f.getFileName())));
            }
            JobService.Outcome o = jobs.submit(new JobService.Submission(tenant, job, media,
                    Fingerprints.of(job, media), "multipart"), idempotencyKey);
            return Responses.accepted(o, Responses.jobLocation(o));
        } finally {
            for (java.nio.file.Path p : spooled) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // temp files are cleaned with the temp directory
                }
            }
        }
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a job for media already stored or uploaded", description = "JSON job request "
            + "(snake_case; camelCase names accepted too); media[] entries reference stored media by sha256 or a "
            + "presigned upload by upload_id.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = JobRequest.class)))
    @APIResponse(responseCode = "202", description = "Accepted",
            content = @Content(schema = @Schema(implementation = JobAccepted.class)))
    @APIResponse(responseCode = "409", description = "Idempotency-Key reused for another request, or in use")
    @APIResponse(responseCode = "422", description = "Invalid field, unknown media, failed upload verification")
    @APIResponse(responseCode = "429", description = "Rate limit or queued-job cap; see Retry-After")
    @APIResponse(responseCode = "503", description = "Broker or store unavailable; nothing accepted; see Retry-After")
    public Response submitJson(InputStream body,
                               @Parameter(description = "Same key, same request: same job")
                               @HeaderParam(IdempotencyStore.HEADER) String idempotencyKey,
                               @HeaderParam("Accept-Language") String acceptLanguage,
                               @Context ContainerRequestContext request) {
        String tenant = ApiKeyFilter.tenant(request);
        IdempotencyStore.checkKey(idempotencyKey);
        rateLimiter.acquire(tenant, 1);
        byte[] bytes = JsonBodies.read(body, config.limits().jsonMaxBytes(), "the JSON body");
        JobRequest req = JsonBodies.parse(bytes, JobRequest.class, "the job request");
        ValidatedJob job = validator.validate(req, acceptLanguage, 0);
        List<MediaInput> media = references(req);
        JobService.Outcome o = jobs.submit(new JobService.Submission(tenant, job, media,
                Fingerprints.of(job, media), "json"), idempotencyKey);
        return Responses.accepted(o, Responses.jobLocation(o));
    }

    private static List<MediaInput> references(JobRequest req) {
        List<MediaInput> media = new ArrayList<>();
        for (JobRequest.MediaSpec m : JobRequestValidator.normalisedMedia(req.media())) {
            media.add(m.sha256() != null ? new MediaInput.Stored(m.sha256()) : new MediaInput.Upload(m.uploadId()));
        }
        return media;
    }

    /** Small parts may be kept in memory by the HTTP layer; the probe and the store read files. */
    private static java.nio.file.Path spool(FormValue f) {
        try {
            java.nio.file.Path tmp = Files.createTempFile("vlmesh-part-", ".bin");
            f.getFileItem().write(tmp);
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
