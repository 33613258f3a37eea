package dev.vlmesh.ingest.api;

import dev.vlmesh.ingest.IngestConfig;
import dev.vlmesh.ingest.jobs.BrokerUnavailableException;
import dev.vlmesh.ingest.store.StoreUnavailableException;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;

/** The broker or the store failing is the client's cue to retry later: 503 with Retry-After, no internals. */
public final class UnavailableMappers {
    private static final Logger LOG = Logger.getLogger(UnavailableMappers.class);

    private UnavailableMappers() {
    }

    @Provider
    public static class Broker implements ExceptionMapper<BrokerUnavailableException> {
        @Inject
        IngestConfig config;

        @Override
        public Response toResponse(BrokerUnavailableException e) {
            LOG.warn(e.getMessage());
            return Problems.unavailable("broker-unavailable", "the job could not be recorded: the message broker "
                    + "did not acknowledge it. Nothing was accepted; retry the same request (with the same "
                    + "Idempotency-Key) later", config.unavailableRetryAfterSeconds()).toResponse();
        }
    }

    @Provider
    public static class Store implements ExceptionMapper<StoreUnavailableException> {
        @Inject
        IngestConfig config;

        @Override
        public Response toResponse(StoreUnavailableException e) {
            LOG.warn(e.getMessage(), e.getCause());
            return Problems.unavailable("store-unavailable", "the object store did not answer. Nothing was "
                    + "accepted; retry the same request later", config.unavailableRetryAfterSeconds()).toResponse();
        }
    }
}
