package dev.vlmesh.ingest.api;

import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.quarkus.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a request whose declared Content-Length is over {@code quarkus.http.limits.max-body-size} before a byte of
 * its body is read, with a problem body that points to presigned uploads. It runs just before the HTTP layer's own
 * check (route order -2, which answers with an empty 413); clients that send {@code Expect: 100-continue} (curl does
 * for large bodies) get the answer without uploading anything. Bodies of undeclared length are still stopped by the
 * HTTP layer when they pass the limit.
 */
@ApplicationScoped
public class BodyLimitRoute {
    private static final int BEFORE_UPLOAD_LIMIT = -3;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    Optional<MemorySize> maxBodySize;

    void install(@Observes Router router) {
        if (maxBodySize.isEmpty()) {
            return;
        }
        long max = maxBodySize.get().asLongValue();
        router.route().order(BEFORE_UPLOAD_LIMIT).handler(ctx -> {
            String declared = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            long length;
            try {
                length = declared == null ? -1 : Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                length = -1; // the HTTP layer refuses a malformed length itself
            }
            if (length <= max) {
                ctx.next();
                return;
            }
            Problem p = Problems.tooLarge("the request is " + length + " bytes; requests sent through ingest may be "
                    + "at most " + max + " bytes. Send large media with POST /v1/uploads (presigned upload) and "
                    + "reference the upload in the job").problem();
            ctx.response().setStatusCode(413)
                    .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .putHeader(HttpHeaders.CONNECTION, "close")
                    .end(io.vertx.core.buffer.Buffer.buffer(EventCodec.toJson(p)));
        });
    }
}
