package dev.vlmesh.infer.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.infer.cancel.StopSignal;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * Generation on an OpenAI-compatible chat-completions server with image input (vLLM, vllm-ascend, LMDeploy,
 * MindIE, or another vlmesh worker's {@code /v1/chat/completions}), streamed over SSE. Media go as presigned store
 * URLs or as data URLs. Stopping closes the stream, which such servers take as an abort of the request.
 */
public final class OpenAiBackend implements InferenceBackend {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final Optional<String> apiKey;
    private final String model;
    private final boolean presigned;
    private final long presignExpirySeconds;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param baseUrl the server's API root, e.g. {@code http://host:8000/v1}
     * @param media   {@code presigned} or {@code data}
     */
    public OpenAiBackend(String baseUrl, Optional<String> apiKey, String model, String media, long presignExpirySeconds,
                         Duration timeout) {
        String b = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.endpoint = URI.create(b + "/chat/completions");
        this.apiKey = apiKey;
        this.model = model;
        this.presigned = media.equals("presigned");
        this.presignExpirySeconds = presignExpirySeconds;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public boolean ready() {
        return true;
    }

    @Override
    public long memoryEstimate(GenerationInput input) {
        return 0;
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public Session open(String pinnedVersion) {
        // a remote server serves model names; a pinned version is sent as the model to ask for
        String asked = pinnedVersion == null || pinnedVersion.isBlank() ? model : pinnedVersion;
        return new Session() {
            @Override
            public String model() {
                return model;
            }

            @Override
            public String version() {
                return asked;
            }

            @Override
            public Outcome generate(GenerationInput input, TextSink sink, StopSignal stop)
                    throws JobFailure, InterruptedException {
                return stream(asked, input, sink, stop);
            }

            @Override
            public void close() {
            }
        };
    }

    ObjectNode body(String askedModel, GenerationInput in) throws JobFailure, InterruptedException {
        ObjectNode b = JSON.createObjectNode();
        b.put("model", askedModel);
        b.put("stream", true);
        b.putObject("stream_options").put("include_usage", true);
        b.put("max_tokens", in.maxNewTokens());
        b.put("temperature", in.temperature());
        if (in.topP() != null) {
            b.put("top_p", in.topP());
        }
        if (in.topK() != null) {
            b.put("top_k", in.topK());
        }
        if (in.seed() != null) {
            b.put("seed", in.seed());
        }
        if (!in.media().isEmpty()) {
            // vLLM's InternVL processor (and vlmesh) read the tile budget from here
            b.putObject("mm_processor_kwargs").put("max_dynamic_patch", in.maxTiles());
        }
        ArrayNode messages = b.putArray("messages");
        if (in.systemMessage() != null) {
            messages.addObject().put("role", "system").put("content", in.systemMessage());
        }
        for (GenerationInput.Turn t : in.history()) {
            messages.addObject().put("role", "user").put("content", t.question());
            messages.addObject().put("role", "assistant").put("content", t.answer());
        }
        ObjectNode user = messages.addObject().put("role", "user");
        ArrayNode parts = user.putArray("content");
        for (MediaInput m : in.media()) {
            String url = mediaUrl(m);
            if (m.kind() == MediaRef.Kind.video) {
                parts.addObject().put("type", "video_url").putObject("video_url").put("url", url);
            } else {
                parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
            }
        }
        parts.addObject().put("type", "text").put("text", in.question());
        return b;
    }

    private String mediaUrl(MediaInput m) throws JobFailure, InterruptedException {
        if (presigned) {
            Optional<String> url = m.url(presignExpirySeconds);
            if (url.isPresent()) {
                return url.get();
            }
        }
        return dataUrl(m.format(), m.kind(), m.bytes());
    }

    static String dataUrl(String format, MediaRef.Kind kind, byte[] bytes) {
        String f = format == null ? "" : format.toLowerCase(Locale.ROOT);
        String mime = switch (f) {
            case "jpeg", "jpg" -> "image/jpeg";
            case "png" -> "image/png";
            case "webp" -> "image/webp";
            case "gif" -> "image/gif";
            case "bmp" -> "image/bmp";
            case "mp4", "mov" -> "video/mp4";
            case "webm", "mkv" -> "video/webm";
            default -> kind == MediaRef.Kind.video ? "video/mp4" : "application/octet-stream";
        };
        return "data:" + mime + ";base64," + Base64.getEncoder().encodeToString(bytes);
    }

    private Outcome stream(String askedModel, GenerationInput in, TextSink sink, StopSignal stop)
            throws JobFailure, InterruptedException {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(body(askedModel, in));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        apiKey.ifPresent(k -> rb.header("Authorization", "Bearer " + k));
        long t0 = System.nanoTime();
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw JobFailure.retryable(ErrorCodes.BACKEND_UNAVAILABLE, "OpenAI-compatible server " + endpoint
                    + " unreachable: " + e, e);
        }
        if (resp.statusCode() != 200) {
            throw httpFailure(resp);
        }
        InputStream stream = resp.body();
        stop.onStop(() -> {
            try {
                stream.close();
            } catch (IOException ignored) {
                // closing is the point; the reader sees the end of the stream
            }
        });
        StringBuilder text = new StringBuilder();
        String finish = null;
        int chunks = 0;
        long first = 0;
        JsonNode usage = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (stop.stopped()) {
                    break;
                }
                if (!line.startsWith("data:")) {
                    continue;
                }
                String data = line.substring(5).strip();
                if (data.equals("[DONE]")) {
                    break;
                }
                JsonNode chunk = JSON.readTree(data);
                if (chunk.has("error")) {
                    throw JobFailure.retryable(ErrorCodes.BACKEND_UNAVAILABLE, "server error in stream: "
                            + chunk.get("error"), null);
                }
                if (chunk.hasNonNull("usage")) {
                    usage = chunk.get("usage");
                }
                JsonNode choice = chunk.path("choices").path(0);
                String content = choice.path("delta").path("content").asText("");
                if (!content.isEmpty()) {
                    if (first == 0) {
                        first = System.nanoTime();
                    }
                    chunks++;
                    text.append(content);
                    sink.accept(content, 1);
                }
                if (choice.hasNonNull("finish_reason")) {
                    finish = choice.get("finish_reason").asText();
                }
            }
        } catch (IOException e) {
            if (!stop.stopped()) {
                throw JobFailure.retryable(ErrorCodes.BACKEND_UNAVAILABLE, "stream from " + endpoint + " broke: "
                        + e.getMessage(), e);
            }
        }
        long end = System.nanoTime();
        if (stop.stopped()) {
            finish = "cancelled";
        } else if (finish == null) {
            throw JobFailure.retryable(ErrorCodes.BACKEND_UNAVAILABLE, "stream from " + endpoint
                    + " ended without a finish reason", null);
        }
        int prompt = usage == null ? 0 : usage.path("prompt_tokens").asInt(0);
        int completion = usage == null ? chunks : usage.path("completion_tokens").asInt(chunks);
        long ttft = first == 0 ? 0 : (first - t0) / 1_000_000;
        long decode = first == 0 ? 0 : (end - first) / 1_000_000;
        return new Outcome(text.toString(), finish.equals("length") || finish.equals("cancelled") ? finish : "stop",
                prompt, 0, completion, 0, 0, 0, decode, ttft);
    }

    private JobFailure httpFailure(HttpResponse<InputStream> resp) {
        String detail;
        String code = null;
        try (InputStream in = resp.body()) {
            byte[] bytes = in.readNBytes(16 * 1024);
            detail = new String(bytes, StandardCharsets.UTF_8);
            JsonNode n = JSON.readTree(bytes);
            JsonNode err = n.path("error");
            if (err.isObject()) {
                detail = err.path("message").asText(detail);
                code = err.path("code").isTextual() ? err.get("code").asText() : null;
            }
        } catch (IOException e) {
            detail = "(no body)";
        }
        int status = resp.statusCode();
        String msg = "OpenAI-compatible server answered " + status + ": " + detail;
        if (status == 429 || status >= 500) {
            return JobFailure.retryable(ErrorCodes.BACKEND_UNAVAILABLE, msg, null);
        }
        return JobFailure.permanent(code != null && isKnownCode(code) ? code : ErrorCodes.MEDIA_INVALID, msg);
    }

    private static boolean isKnownCode(String code) {
        return switch (code) {
            case ErrorCodes.MEDIA_INVALID, ErrorCodes.MEDIA_TOO_LARGE, ErrorCodes.UNSUPPORTED_MEDIA,
                 ErrorCodes.PROMPT_TOO_LONG, ErrorCodes.MODEL_NOT_FOUND, ErrorCodes.MODEL_VERSION_NOT_FOUND -> true;
            default -> false;
        };
    }

    @Override
    public void close() {
        http.close();
    }
}
