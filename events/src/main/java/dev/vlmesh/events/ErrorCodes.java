package dev.vlmesh.events;

/** Stable error codes carried by {@link JobFailed} and {@link CheckpointFailed}. Never rename one. */
public final class ErrorCodes {

    private ErrorCodes() {
    }

    // jobs
    public static final String MEDIA_NOT_FOUND = "media_not_found";
    public static final String MEDIA_DIGEST_MISMATCH = "media_digest_mismatch";
    public static final String MEDIA_INVALID = "media_invalid";
    public static final String MEDIA_TOO_LARGE = "media_too_large";
    public static final String UNSUPPORTED_MEDIA = "unsupported_media";
    public static final String VIDEO_DECODE_TIMEOUT = "video_decode_timeout";
    public static final String PROMPT_TOO_LONG = "prompt_too_long";
    public static final String MODEL_NOT_FOUND = "model_not_found";
    public static final String MODEL_VERSION_NOT_FOUND = "model_version_not_found";
    public static final String BACKEND_UNAVAILABLE = "backend_unavailable";
    public static final String UNREADABLE_RECORD = "unreadable_record";
    public static final String RETRIES_EXHAUSTED = "retries_exhausted";
    public static final String INTERNAL = "internal_error";

    // checkpoints
    public static final String MISSING_TENSOR = "missing_tensor";
    public static final String SHAPE_MISMATCH = "shape_mismatch";
    public static final String UNSUPPORTED_ARCHITECTURE = "unsupported_architecture";
    public static final String BAD_PARALLEL_CONFIG = "bad_parallel_config";
    public static final String CORRUPT_FILE = "corrupt_file";
    public static final String SOURCE_NOT_FOUND = "source_not_found";
    /** PyTorch pickles (never loaded: they can run code), non-float tensors, files in no layout we read. */
    public static final String UNSUPPORTED_FORMAT = "unsupported_format";
    /** The converted checkpoint did not match its source or its manifest. */
    public static final String VERIFICATION_FAILED = "verification_failed";
}
