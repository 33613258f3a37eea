package dev.vlmesh.ingest.store;

/** The object store did not answer or refused a request for a reason other than the request's content. */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
