package dev.vlmesh.convert.api;

import dev.vlmesh.convert.app.ConvertLifecycle;
import dev.vlmesh.convert.state.VersionInfo;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.quarkus.Authenticated;
import dev.vlmesh.events.quarkus.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The converted versions of a model in the store, newest first. */
@Path("/v1/models/{model}/versions")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class ModelVersionsResource {

    @Inject
    ConvertLifecycle lifecycle;

    @GET
    public List<VersionInfo> versions(@PathParam("model") String model) {
        try {
            StoreLayout.safe(model, "model name");
        } catch (IllegalArgumentException e) {
            throw new Problem.ProblemException(Problem.of(400, "invalid_request", "Invalid model name",
                    e.getMessage()));
        }
        try {
            return lifecycle.service().registry().versions(model);
        } catch (IllegalStateException e) {
            throw new Problem.ProblemException(Problem.of(503, "starting", "Starting", e.getMessage()));
        }
    }
}
