package dev.vlmesh.infer.backend;

import dev.vlmesh.events.ErrorCodes;

/**
 * A job could not be done. {@code code} is one of {@link ErrorCodes}; a retryable failure (store or backend
 * unreachable, an unexpected error) is tried again with backoff, the others end the job at once.
 */
public final class JobFailure extends Exception {

    private final String code;
    private final boolean retryable;

    public JobFailure(String code, boolean retryable, String message) {
        super(message);
        this.code = code;
        this.retryable = retryable;
    }

    public JobFailure(String code, boolean retryable, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.retryable = retryable;
    }

    public static JobFailure permanent(String code, String message) {
        return new JobFailure(code, false, message);
    }

    public static JobFailure retryable(String code, String message, Throwable cause) {
        return new JobFailure(code, true, message, cause);
    }

    public String code() {
        return code;
    }

    public boolean isRetryable() {
        return retryable;
    }
}
