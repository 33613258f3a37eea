package dev.vlmesh.infer.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.quarkus.Problem;
import dev.vlmesh.events.tenant.ApiKeys;
import dev.vlmesh.infer.InferWorker;
import dev.vlmesh.infer.app.WorkerLifecycle;
import dev.vlmesh.infer.backend.AnswerStripper;
import dev.vlmesh.infer.backend.EmbeddedBackend;
import dev.vlmesh.infer.backend.GenerationInput;
import dev.vlmesh.infer.backend.InferenceBackend;
import dev.vlmesh.infer.backend.JobFailure;
import dev.vlmesh.infer.backend.Outcome;
import dev.vlmesh.infer.cancel.StopSignal;
import dev.vlmesh.infer.config.WorkerSettings;
import dev.vlmesh.infer.jobs.BatchScheduler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * {@code POST /v1/chat/completions}, OpenAI-compatible, on the embedded engine: streaming (SSE, {@code data:}
 * chunks ending with {@code data: [DONE]}) and not. Requests share the worker's batch slots with jobs. A client
 * that disconnects stops its generation. A plain Vert.x route, because one endpoint answers with either a JSON body
 * or an event stream depending on the request body. Errors are RFC 7807 problems that also carry OpenAI's
 * {@code error} object.
 */
@ApplicationScoped
public class ChatCompletionsRoute {

    private static final Logger LOG = Logger.getLogger(ChatCompletionsRoute.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    WorkerLifecycle lifecycle;

    @ConfigProperty(name = "vlmesh.auth.api-keys")
    String apiKeySpec;

    @ConfigProperty(name = "vlmesh.infer.api.max-body-bytes")
    long maxBodyBytes;

    private ApiKeys keys;
    private volatile MediaUrlResolver resolver;

    void routes(@Observes Router router) {
        keys = ApiKeys.parse(apiKeySpec);
        router.post("/v1/chat/completions").handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
                .handler(this::handle);
    }

    private MediaUrlResolver resolver(WorkerSettings s) {
        MediaUrlResolver r = resolver;
        if (r == null) {
            List<String> origins = new ArrayList<>(s.apiAllowedMediaOrigins());
            if (origins.isEmpty()) {
                origins.add(s.s3Endpoint());
            }
            r = new MediaUrlResolver(origins, s.apiMaxImageBytes());
            resolver = r;
        }
        return r;
    }

    private void handle(RoutingContext rc) {
        try {
            String key = rc.request().getHeader("X-API-Key");
            String auth = rc.request().getHeader("Authorization");
            if (key == null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                key = auth.substring(7).trim();
            }
            if (keys.tenantFor(key).isEmpty()) {
                throw new ApiError(401, "unauthorized", key == null
                        ? "Send your API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'."
                        : "The API key is not valid.");
            }
            InferWorker worker = lifecycle.worker();
            WorkerSettings s = worker.settings();
            if (!s.apiEnabled()) {
                throw new ApiError(404, "not_found", "the OpenAI-compatible API is disabled on this worker");
            }
            EmbeddedBackend engine = worker.engine().filter(EmbeddedBackend::ready).orElseThrow(() ->
                    new ApiError(503, ErrorCodes.MODEL_NOT_FOUND, "the model is not loaded yet"));
            JsonNode body;
            try {
                body = JSON.readTree(rc.body().buffer() == null ? new byte[0] : rc.body().buffer().getBytes());
            } catch (Exception e) {
                throw new ApiError(400, "invalid_request", "the body is not valid JSON");
            }
            ChatRequest req = ChatRequest.parse(body);
            String served = s.servedModel().orElse(null);
            if (served != null && !req.model().isBlank() && !req.model().strip().equals(served)) {
                // the same rule as for jobs: never answer a request for another model with this one
                throw new ApiError(404, ErrorCodes.MODEL_NOT_FOUND, "The model '" + req.model().strip()
                        + "' does not exist on this worker; it serves '" + served + "'.");
            }
            GenerationInput input = req.input(resolver(s), s.defaultMaxNewTokens(), s.maxNewTokensCap(),
                    s.defaultMaxTiles());
            run(rc, worker, engine, req, input);
        } catch (ApiError e) {
            fail(rc, e.status(), e.code(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "chat completion failed");
            fail(rc, 500, ErrorCodes.INTERNAL, "internal error");
        }
    }

    private void run(RoutingContext rc, InferWorker worker, EmbeddedBackend engine, ChatRequest req,
                     GenerationInput input) {
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        StopSignal stop = new StopSignal();
        HttpServerResponse resp = rc.response();
        resp.closeHandler(v -> stop.stop(StopSignal.Reason.CANCEL));
        long memory = engine.memoryEstimate(input);
        worker.scheduler().submit(new BatchScheduler.Work() {
            @Override
            public int priority() {
                return 0;
            }

            @Override
            public long memoryBytes() {
                return memory;
            }

            @Override
            public void run() {
                generate(resp, engine, req, input, stop, id, created);
            }

            @Override
            public void dropped() {
                fail(rc, 503, ErrorCodes.BACKEND_UNAVAILABLE, "the worker is shutting down");
            }
        });
    }

    private void generate(HttpServerResponse resp, EmbeddedBackend engine, ChatRequest req, GenerationInput input,
                          StopSignal stop, String id, long created) {
        if (stop.stopped()) {
            return;
        }
        try (InferenceBackend.Session session = engine.open(null)) {
            String model = req.model().isBlank() ? session.model() : req.model();
            AnswerStripper stripper = new AnswerStripper();
            if (req.stream()) {
                resp.setChunked(true).putHeader("Content-Type", "text/event-stream")
                        .putHeader("Cache-Control", "no-cache");
                ObjectNode role = chunk(id, created, model);
                role.withArray("choices").addObject().put("index", 0).putNull("finish_reason")
                        .putObject("delta").put("role", "assistant").put("content", "");
                send(resp, role);
            }
            Outcome o = session.generate(input, (text, tokens) -> {
                String piece = stripper.accept(text);
                if (req.stream() && !piece.isEmpty()) {
                    ObjectNode c = chunk(id, created, model);
                    c.withArray("choices").addObject().put("index", 0).putNull("finish_reason")
                            .putObject("delta").put("content", piece);
                    send(resp, c);
                }
            }, stop);
            if (stop.stopped() && resp.closed()) {
                return;
            }
            String tail = stripper.completeWith(o.text());
            if (req.stream() && !tail.isEmpty()) {
                ObjectNode c = chunk(id, created, model);
                c.withArray("choices").addObject().put("index", 0).putNull("finish_reason")
                        .putObject("delta").put("content", tail);
                send(resp, c);
            }
            String finish = o.finishReason().equals("cancelled") ? "stop" : o.finishReason();
            ObjectNode usage = JSON.createObjectNode().put("prompt_tokens", o.promptTokens())
                    .put("completion_tokens", o.completionTokens())
                    .put("total_tokens", o.promptTokens() + o.completionTokens());
            if (req.stream()) {
                ObjectNode end = chunk(id, created, model);
                end.withArray("choices").addObject().put("index", 0).put("finish_reason", finish)
                        .putObject("delta");
                send(resp, end);
                if (req.includeUsage()) {
                    ObjectNode u = chunk(id, created, model);
                    u.putArray("choices");
                    u.set("usage", usage);
                    send(resp, u);
                }
                resp.end("data: [DONE]\n\n");
            } else {
                ObjectNode r = JSON.createObjectNode().put("id", id).put("object", "chat.completion")
                        .put("created", created).put("model", model);
                ObjectNode choice = r.putArray("choices").addObject().put("index", 0).put("finish_reason", finish);
                choice.putObject("message").put("role", "assistant").put("content", stripper.text());
                r.set("usage", usage);
                r.putObject("vlmesh").put("model_version", session.version()).put("vision_ms", o.visionMs())
                        .put("prefill_ms", o.prefillMs()).put("decode_ms", o.decodeMs());
                resp.putHeader("Content-Type", "application/json").end(Buffer.buffer(JSON.writeValueAsBytes(r)));
            }
        } catch (JobFailure f) {
            int status = switch (f.code()) {
                case ErrorCodes.MEDIA_TOO_LARGE -> 413;
                case ErrorCodes.MEDIA_INVALID, ErrorCodes.UNSUPPORTED_MEDIA, ErrorCodes.PROMPT_TOO_LONG,
                     ErrorCodes.MEDIA_NOT_FOUND, "media_url_not_allowed", "invalid_request" -> 400;
                case ErrorCodes.MODEL_VERSION_NOT_FOUND -> 404;
                default -> f.isRetryable() ? 503 : 500;
            };
            streamOrFail(resp, status, f.code(), f.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            streamOrFail(resp, 503, ErrorCodes.BACKEND_UNAVAILABLE, "interrupted");
        } catch (Exception e) {
            LOG.errorf(e, "chat completion failed");
            streamOrFail(resp, 500, ErrorCodes.INTERNAL, "internal error");
        }
    }

    private static ObjectNode chunk(String id, long created, String model) {
        return JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                .put("model", model);
    }

    private static void send(HttpServerResponse resp, ObjectNode event) {
        if (resp.closed() || resp.ended()) {
            return;
        }
        try {
            resp.write("data: " + JSON.writeValueAsString(event) + "\n\n");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Before the stream started: a problem response; after: an error event, then the end of the stream. */
    private static void streamOrFail(HttpServerResponse resp, int status, String code, String message) {
        if (resp.closed() || resp.ended()) {
            return;
        }
        if (resp.headWritten()) {
            ObjectNode e = JSON.createObjectNode();
            e.putObject("error").put("message", message).put("type", "server_error").put("code", code);
            send(resp, e);
            resp.end("data: [DONE]\n\n");
            return;
        }
        writeProblem(resp, status, code, message);
    }

    private static void fail(RoutingContext rc, int status, String code, String message) {
        writeProblem(rc.response(), status, code, message);
    }

    private static void writeProblem(HttpServerResponse resp, int status, String code, String message) {
        if (resp.closed() || resp.ended()) {
            return;
        }
        Problem p = Problem.of(status, code.replace('_', '-'), title(status), message)
                .with("error", Map.of("message", message, "type", status >= 500 ? "server_error"
                        : "invalid_request_error", "code", code));
        try {
            resp.setStatusCode(status).putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .end(Buffer.buffer(dev.vlmesh.events.EventCodec.json().writeValueAsBytes(p)));
        } catch (Exception e) {
            resp.setStatusCode(500).end();
        }
    }

    private static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 413 -> "Payload Too Large";
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
    }
}
