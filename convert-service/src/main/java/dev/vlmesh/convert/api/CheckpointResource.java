package dev.vlmesh.convert.api;

import dev.vlmesh.convert.ConvertService;
import dev.vlmesh.convert.app.ConvertLifecycle;
import dev.vlmesh.convert.jobs.RefreshPlan;
import dev.vlmesh.convert.state.ConversionRegistry;
import dev.vlmesh.convert.state.ConversionStatus;
import dev.vlmesh.engine.convert.ConversionException;
import dev.vlmesh.events.CheckpointRefreshRequested;
import dev.vlmesh.events.quarkus.Authenticated;
import dev.vlmesh.events.quarkus.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

/** Refresh requests and their status. */
@Path("/v1/checkpoints")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class CheckpointResource {

    @Inject
    ConvertLifecycle lifecycle;

    /** Queues a conversion; 202 with its id. Bad fields are refused here with the code the conversion would fail with. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response refresh(RefreshRequestBody body) throws InterruptedException {
        if (body == null || body.modelName() == null || body.modelName().isBlank()) {
            throw new Problem.ProblemException(Problem.of(400, "invalid_request", "Invalid request",
                    "a JSON body with at least modelName is required"));
        }
        ConvertService s = service();
        RefreshPlan plan;
        try {
            plan = RefreshPlan.of(body.modelName(), body.sourceBucket(), body.sourcePrefix(), body.parallel(),
                    body.outputFormat(), s.layout());
        } catch (ConversionException e) {
            throw new Problem.ProblemException(Problem.of(400, e.reason().code(), "Invalid refresh request",
                    e.getMessage()));
        }
        CheckpointRefreshRequested req = s.submit(plan);
        // what was accepted; the conversion may already have started by the time this is sent
        return Response.accepted(ConversionRegistry.queued(req))
                .location(URI.create("/v1/checkpoints/" + req.conversionId())).build();
    }

    @GET
    @Path("/{id}")
    public ConversionStatus status(@PathParam("id") String id) {
        return service().registry().conversion(id).orElseThrow(() -> new Problem.ProblemException(Problem.of(404,
                "conversion_not_found", "Unknown conversion", "no conversion with id '" + id + "'")));
    }

    /** Conversions, newest first, optionally of one model. */
    @GET
    public List<ConversionStatus> list(@QueryParam("model") String model) {
        return service().registry().conversions(model);
    }

    private ConvertService service() {
        try {
            return lifecycle.service();
        } catch (IllegalStateException e) {
            throw new Problem.ProblemException(Problem.of(503, "starting", "Starting", e.getMessage()));
        }
    }
}
