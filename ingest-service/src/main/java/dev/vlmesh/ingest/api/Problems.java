package dev.vlmesh.ingest.api;

import dev.vlmesh.engine.media.MalformedMediaException;
import dev.vlmesh.engine.media.MediaException;
import dev.vlmesh.engine.media.MediaLimitException;
import dev.vlmesh.engine.media.UnsupportedMediaException;
import dev.vlmesh.events.quarkus.Problem;
import dev.vlmesh.events.quarkus.Problem.ProblemException;
import java.util.Map;

/**
 * The problems ingest answers with, one stable {@code type} per reason (clients switch on it, metrics count by it).
 */
public final class Problems {
    private Problems() {
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(Problem.of(400, "invalid-request", "Invalid request", detail));
    }

    public static ProblemException invalidField(String field, String detail) {
        return new ProblemException(Problem.of(422, "invalid-field", "Invalid field", detail).with("field", field));
    }

    public static ProblemException tooLarge(String detail) {
        return new ProblemException(Problem.of(413, "request-too-large", "Request too large", detail));
    }

    public static ProblemException unsupportedContentType(String detail) {
        return new ProblemException(Problem.of(415, "unsupported-content-type", "Unsupported content type", detail));
    }

    public static ProblemException notFound(String kind, String detail) {
        return new ProblemException(Problem.of(404, kind + "-not-found", "Not found", detail));
    }

    /** A media reference (stored hash or upload id) that does not resolve for this tenant. */
    public static ProblemException mediaNotFound(String detail) {
        return new ProblemException(Problem.of(422, "media-not-found", "Media not found", detail));
    }

    public static ProblemException uploadIncomplete(String detail) {
        return new ProblemException(Problem.of(422, "upload-incomplete", "Upload incomplete", detail));
    }

    public static ProblemException uploadMismatch(String detail) {
        return new ProblemException(Problem.of(422, "upload-mismatch", "Upload does not match", detail));
    }

    public static ProblemException conflict(String kind, String detail) {
        return new ProblemException(Problem.of(409, kind, "Conflict", detail));
    }

    public static ProblemException conflictRetry(String kind, String detail, int retryAfterSeconds) {
        return new ProblemException(Problem.of(409, kind, "Conflict", detail),
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }

    public static ProblemException rateLimited(String detail, long retryAfterSeconds) {
        return new ProblemException(Problem.of(429, "rate-limited", "Too many requests", detail)
                .with("retry_after_seconds", retryAfterSeconds),
                Map.of("Retry-After", Long.toString(retryAfterSeconds)));
    }

    public static ProblemException queueFull(String detail, long retryAfterSeconds) {
        return new ProblemException(Problem.of(429, "too-many-queued-jobs", "Too many queued jobs", detail)
                .with("retry_after_seconds", retryAfterSeconds),
                Map.of("Retry-After", Long.toString(retryAfterSeconds)));
    }

    /** The broker or the store did not confirm: nothing was accepted, the client should retry. */
    public static ProblemException unavailable(String kind, String detail, int retryAfterSeconds) {
        return new ProblemException(Problem.of(503, kind, "Service unavailable", detail)
                .with("retry_after_seconds", retryAfterSeconds),
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }

    /** Media refused by content: 415 not an accepted format, 413 too big, 422 over a header limit or broken. */
    public static ProblemException media(MediaException e, String filename) {
        String where = filename == null || filename.isBlank() ? "" : "'" + filename + "': ";
        Problem p = switch (e) {
            case UnsupportedMediaException u -> {
                Problem q = Problem.of(415, "unsupported-media-type", "Unsupported media type", where + u.getMessage());
                yield u.detected() == null ? q : q.with("detected", u.detected());
            }
            case MediaLimitException l when l.limit() == MediaLimitException.Limit.FILE_SIZE ->
                    Problem.of(413, "media-too-large", "Media too large", where + l.getMessage())
                            .with("limit", "file-size").with("maximum", (long) l.maximum());
            case MediaLimitException l -> Problem.of(422, "media-limit-exceeded", "Media over a limit",
                    where + l.getMessage()).with("limit", l.limit().name().toLowerCase().replace('_', '-'))
                    .with("maximum", l.maximum());
            case MalformedMediaException m -> Problem.of(422, "invalid-media", "Invalid media", where + m.getMessage());
        };
        return new ProblemException(filename == null ? p : p.with("file", filename));
    }
}
