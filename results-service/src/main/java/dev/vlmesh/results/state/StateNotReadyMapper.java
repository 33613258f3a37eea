package dev.vlmesh.results.state;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/** A store that migrates or restores while a query runs: 503 with Retry-After, never a 500. */
@Provider
public class StateNotReadyMapper implements ExceptionMapper<InvalidStateStoreException> {

    @Override
    public Response toResponse(InvalidStateStoreException e) {
        return JobStateStore.unavailable("restoring").toResponse();
    }
}
