package dev.vlmesh.ingest.api;

import dev.vlmesh.events.quarkus.Problem;
import dev.vlmesh.ingest.metrics.IngestMetrics;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;
import java.time.Duration;

/** Latency of every /v1 request, and every problem answer counted by its type (the rejection reason). */
@Provider
@PreMatching
public class RequestMetricsFilter implements ContainerRequestFilter, ContainerResponseFilter {
    private static final String START = "vlmesh.ingest.start";

    @Inject
    IngestMetrics metrics;

    @Override
    public void filter(ContainerRequestContext request) {
        request.setProperty(START, System.nanoTime());
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/v1/")) {
            return;
        }
        if (response.getEntity() instanceof Problem p) {
            String type = p.type().toString();
            metrics.rejected(type.substring(type.lastIndexOf('/') + 1), p.status());
        }
        Object start = request.getProperty(START);
        if (start instanceof Long t) {
            metrics.latency(endpoint(request.getMethod(), path), response.getStatus(),
                    Duration.ofNanos(System.nanoTime() - t));
        }
    }

    /** The route, with ids left out so the tag has a handful of values. */
    static String endpoint(String method, String path) {
        String p;
        if (path.equals("/v1/jobs") || path.equals("/v1/batches") || path.equals("/v1/uploads")) {
            p = path;
        } else if (path.startsWith("/v1/uploads/")) {
            p = path.endsWith("/complete") ? "/v1/uploads/{id}/complete" : "/v1/uploads/{id}";
        } else {
            p = "other";
        }
        return method + " " + p;
    }
}
