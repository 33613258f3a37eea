package dev.vlmesh.ingest.jobs;

/** Kafka did not acknowledge a job event in time; nothing was accepted. */
public final class BrokerUnavailableException extends RuntimeException {
    public BrokerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
