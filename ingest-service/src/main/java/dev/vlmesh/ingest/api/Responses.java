package dev.vlmesh.ingest.api;

import dev.vlmesh.ingest.jobs.JobAccepted;
import dev.vlmesh.ingest.jobs.JobService.Outcome;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;

/** Builds the 202 answers, fresh or replayed. */
final class Responses {
    /** Set on a response that repeats the stored answer to an earlier request with the same Idempotency-Key. */
    static final String REPLAYED = "Idempotent-Replayed";

    private Responses() {
    }

    static Response accepted(Outcome o, String location) {
        Response.ResponseBuilder b = Response.status(o.status()).type(MediaType.APPLICATION_JSON).entity(o.body());
        if (location != null) {
            b.location(URI.create(location));
        }
        if (o.replayed()) {
            b.header(REPLAYED, "true");
        }
        return b.build();
    }

    static String jobLocation(Outcome o) {
        if (o.body() instanceof JobAccepted a) {
            return a.links().status();
        }
        if (o.body() instanceof com.fasterxml.jackson.databind.JsonNode n && n.path("links").has("status")) {
            return n.path("links").path("status").asText();
        }
        return null;
    }
}
