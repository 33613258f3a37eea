package dev.vlmesh.events.quarkus;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Map;

/**
 * An RFC 7807 problem body ({@code application/problem+json}). {@code type} is a stable URI per kind of problem, so
 * clients switch on it; {@code detail} says what to do about it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(URI type, String title, int status, String detail, String instance,
                      @com.fasterxml.jackson.annotation.JsonIgnore Map<String, Object> extensions) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String BASE = "https://vlmesh.dev/problems/";

    public static Problem of(int status, String kind, String title, String detail) {
        return new Problem(URI.create(BASE + kind), title, status, detail, null, Map.of());
    }

    public Problem with(String key, Object value) {
        var m = new java.util.LinkedHashMap<>(extensions);
        m.put(key, value);
        return new Problem(type, title, status, detail, instance, Map.copyOf(m));
    }

    @JsonAnyGetter
    public Map<String, Object> extensionMembers() {
        return extensions;
    }

    public Response toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this).build();
    }

    /** Thrown anywhere in request handling; the mapper turns it into the problem response. */
    public static final class ProblemException extends RuntimeException {
        private final transient Problem problem;
        private final transient Map<String, String> headers;

        public ProblemException(Problem problem) {
            this(problem, Map.of());
        }

        public ProblemException(Problem problem, Map<String, String> headers) {
            super(problem.title() + ": " + problem.detail(), null, false, false);
            this.problem = problem;
            this.headers = headers;
        }

        public Problem problem() {
            return problem;
        }

        public Response toResponse() {
            Response.ResponseBuilder b = Response.status(problem.status()).type(MEDIA_TYPE).entity(problem);
            headers.forEach(b::header);
            return b.build();
        }
    }
}
