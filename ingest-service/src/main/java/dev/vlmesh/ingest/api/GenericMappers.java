package dev.vlmesh.ingest.api;

import dev.vlmesh.events.quarkus.Problem;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Every response is a problem document, whatever went wrong: framework errors (unknown path, wrong method or content
 * type, body over the size limit) keep their status with a readable detail, and anything unexpected becomes a 500
 * whose body carries an error id to find the log line — never a stack trace or an exception message.
 */
public final class GenericMappers {
    private static final Logger LOG = Logger.getLogger(GenericMappers.class);

    private GenericMappers() {
    }

    @Provider
    public static class Web implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
            Problem p = switch (e) {
                case NotSupportedException n -> Problem.of(415, "unsupported-content-type", "Unsupported content type",
                        "send multipart/form-data (with files) or application/json (referencing media); batches take "
                                + "application/jsonl");
                case NotAllowedException n -> Problem.of(405, "method-not-allowed", "Method not allowed",
                        "this path does not accept that method");
                default -> switch (status) {
                    case 400 -> Problem.of(400, "invalid-request", "Invalid request", "the request body could not "
                            + "be read: check the Content-Type and the encoding (multipart needs its boundary)");
                    case 404 -> Problem.of(404, "not-found", "Not found", "no such resource; see /q/openapi");
                    case 413 -> Problem.of(413, "request-too-large", "Request too large", "the request body is over "
                            + "the limit for direct uploads; send large media through POST /v1/uploads");
                    case 406 -> Problem.of(406, "not-acceptable", "Not acceptable", "responses are application/json");
                    default -> status >= 500 ? internal(e)
                            : Problem.of(status, "http-" + status, "Request refused", "the request was refused ("
                                    + status + ")");
                };
            };
            Response.ResponseBuilder b = Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(p);
            if (e instanceof NotAllowedException && e.getResponse() != null) {
                b.allow(e.getResponse().getAllowedMethods());
            }
            return b.build();
        }
    }

    @Provider
    public static class Unexpected implements ExceptionMapper<Exception> {
        @Override
        public Response toResponse(Exception e) {
            if (e instanceof java.io.IOException && "Request too large".equals(e.getMessage())) {
                // the HTTP layer's body limit, hit by a body of undeclared length
                return Problems.tooLarge("the request body is over the limit for requests sent through ingest; "
                        + "send large media with POST /v1/uploads").toResponse();
            }
            return internal(e).toResponse();
        }
    }

    static Problem internal(Throwable e) {
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected error %s", id);
        return Problem.of(500, "internal-error", "Internal error", "something went wrong on our side; the error "
                + "was logged as " + id).with("error_id", id);
    }
}
