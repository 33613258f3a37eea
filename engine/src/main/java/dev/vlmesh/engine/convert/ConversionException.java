package dev.vlmesh.engine.convert;

import java.io.IOException;

/**
 * A conversion refused or failed, with a {@link Reason} whose {@link Reason#code()} is the stable failure code the
 * services publish (the same strings as {@code dev.vlmesh.events.ErrorCodes}), and a message an operator can act on.
 */
public final class ConversionException extends IOException {

    public enum Reason {
        MISSING_TENSOR("missing_tensor"),
        SHAPE_MISMATCH("shape_mismatch"),
        UNSUPPORTED_ARCHITECTURE("unsupported_architecture"),
        BAD_PARALLEL_CONFIG("bad_parallel_config"),
        CORRUPT_FILE("corrupt_file"),
        SOURCE_NOT_FOUND("source_not_found"),
        /** PyTorch pickles, unknown dtypes or files that are not a checkpoint in a layout we read. */
        UNSUPPORTED_FORMAT("unsupported_format"),
        /** The output exists and belongs to another conversion, or verification found a difference. */
        VERIFICATION_FAILED("verification_failed"),
        IO_ERROR("internal_error");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public ConversionException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ConversionException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
