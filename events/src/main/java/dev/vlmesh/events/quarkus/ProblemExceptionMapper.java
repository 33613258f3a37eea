package dev.vlmesh.events.quarkus;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Renders {@link Problem.ProblemException} as its RFC 7807 response. */
@Provider
public class ProblemExceptionMapper implements ExceptionMapper<Problem.ProblemException> {

    @Override
    public Response toResponse(Problem.ProblemException e) {
        return e.toResponse();
    }
}
