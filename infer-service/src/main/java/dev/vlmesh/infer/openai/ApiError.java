package dev.vlmesh.infer.openai;

/** A request the API refuses, with the HTTP status and a stable code (an {@code ErrorCodes} value or an API one). */
public final class ApiError extends Exception {

    private final int status;
    private final String code;

    public ApiError(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
