package dev.vlmesh.infer.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.infer.backend.GenerationInput;
import dev.vlmesh.infer.backend.MediaInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A chat-completions request as the embedded engine takes it. Images may sit in any user message: with a single
 * question the engine places them as the InternVL model card does; with images in earlier turns every image gets
 * an explicit {@code Image-n: <image>} line in its own message.
 */
public record ChatRequest(String model, boolean stream, boolean includeUsage, String systemMessage,
                          List<GenerationInput.Turn> history, String question, List<String> imageUrls,
                          Integer maxTokens, Double temperature, Double topP, Integer topK, Long seed,
                          Integer maxTiles) {

    private record UserMessage(String text, List<String> images) {
    }

    public static ChatRequest parse(JsonNode body) throws ApiError {
        if (body == null || !body.isObject()) {
            throw invalid("the body must be a JSON object");
        }
        JsonNode messages = body.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw invalid("messages must be a non-empty array");
        }
        if (body.path("n").asInt(1) != 1) {
            throw invalid("only n = 1 is supported");
        }
        String system = null;
        List<UserMessage> users = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        for (JsonNode m : messages) {
            String role = m.path("role").asText("");
            switch (role) {
                case "system", "developer" -> system = text(m.path("content"), false).text();
                case "user" -> {
                    if (users.size() > answers.size()) {
                        throw invalid("two user messages in a row; put them in one message");
                    }
                    users.add(text(m.path("content"), true));
                }
                case "assistant" -> {
                    if (users.size() != answers.size() + 1) {
                        throw invalid("an assistant message must follow a user message");
                    }
                    answers.add(text(m.path("content"), false).text());
                }
                default -> throw invalid("unsupported message role '" + role + "'");
            }
        }
        if (users.isEmpty() || users.size() != answers.size() + 1) {
            throw invalid("the last message must be a user message");
        }
        boolean imagesInHistory = users.subList(0, users.size() - 1).stream().anyMatch(u -> !u.images().isEmpty());
        List<GenerationInput.Turn> history = new ArrayList<>();
        List<String> images = new ArrayList<>();
        int imageNo = 0;
        for (int i = 0; i < users.size(); i++) {
            UserMessage u = users.get(i);
            StringBuilder q = new StringBuilder();
            if (imagesInHistory) {
                for (int k = 0; k < u.images().size(); k++) {
                    q.append("Image-").append(++imageNo).append(": <image>\n");
                }
            }
            q.append(u.text());
            images.addAll(u.images());
            if (i < answers.size()) {
                history.add(new GenerationInput.Turn(q.toString(), answers.get(i)));
            } else if (q.isEmpty()) {
                throw invalid("the last user message has no text");
            } else {
                return new ChatRequest(body.path("model").asText(""), body.path("stream").asBoolean(false),
                        body.path("stream_options").path("include_usage").asBoolean(false), system, history,
                        q.toString(), images, maxTokens(body), number(body, "temperature"), number(body, "top_p"),
                        body.hasNonNull("top_k") ? body.get("top_k").asInt() : null,
                        body.hasNonNull("seed") ? body.get("seed").asLong() : null, maxTiles(body));
            }
        }
        throw invalid("the last message must be a user message");
    }

    private static Integer maxTokens(JsonNode body) throws ApiError {
        JsonNode n = body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens")
                : body.get("max_tokens");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.canConvertToInt() || n.asInt() < 1) {
            throw invalid("max_tokens must be a positive integer");
        }
        return n.asInt();
    }

    /** vLLM's InternVL processor option {@code mm_processor_kwargs.max_dynamic_patch}: tiles per image. */
    private static Integer maxTiles(JsonNode body) throws ApiError {
        JsonNode n = body.path("mm_processor_kwargs").get("max_dynamic_patch");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.canConvertToInt() || n.asInt() < 1 || n.asInt() > 12) {
            throw invalid("mm_processor_kwargs.max_dynamic_patch must be an integer in 1..12");
        }
        return n.asInt();
    }

    private static Double number(JsonNode body, String field) throws ApiError {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw invalid(field + " must be a number");
        }
        return n.asDouble();
    }

    private static UserMessage text(JsonNode content, boolean imagesAllowed) throws ApiError {
        if (content.isTextual()) {
            return new UserMessage(content.asText(), List.of());
        }
        if (!content.isArray()) {
            throw invalid("message content must be a string or an array of parts");
        }
        StringBuilder text = new StringBuilder();
        List<String> images = new ArrayList<>();
        for (JsonNode part : content) {
            String type = part.path("type").asText("");
            switch (type) {
                case "text" -> {
                    if (!text.isEmpty()) {
                        text.append('\n');
                    }
                    text.append(part.path("text").asText(""));
                }
                case "image_url" -> {
                    if (!imagesAllowed) {
                        throw invalid("images are accepted in user messages only");
                    }
                    JsonNode u = part.path("image_url");
                    images.add(u.isTextual() ? u.asText() : u.path("url").asText(""));
                }
                default -> throw invalid("unsupported content part type '" + type + "'");
            }
        }
        return new UserMessage(text.toString(), images);
    }

    private static ApiError invalid(String message) {
        return new ApiError(400, "invalid_request", message);
    }

    /** The generation input, images resolved lazily (on the worker thread) through {@code resolver}. */
    public GenerationInput input(MediaUrlResolver resolver, int defaultMaxTokens, int maxTokensCap, int maxTiles)
            throws ApiError {
        int max = maxTokens == null ? defaultMaxTokens : maxTokens;
        if (max > maxTokensCap) {
            throw new ApiError(400, "invalid_request", "max_tokens " + max + " exceeds this server's limit of "
                    + maxTokensCap);
        }
        if (temperature != null && (temperature < 0 || temperature > 2)) {
            throw new ApiError(400, "invalid_request", "temperature must be in [0, 2]");
        }
        if (topP != null && (topP <= 0 || topP > 1)) {
            throw new ApiError(400, "invalid_request", "top_p must be in (0, 1]");
        }
        if (topK != null && topK < 0) {
            throw new ApiError(400, "invalid_request", "top_k must be ≥ 0");
        }
        List<MediaInput> media = new ArrayList<>();
        for (String url : imageUrls) {
            media.add(new UrlImage(url, resolver));
        }
        return new GenerationInput(systemMessage, history, question, media, max,
                this.maxTiles == null ? maxTiles : this.maxTiles, 1,
                temperature == null ? 0 : temperature, topP, topK, seed);
    }

    /** An image given by URL, fetched when the engine needs it. */
    private static final class UrlImage implements MediaInput {
        private final String url;
        private final MediaUrlResolver resolver;
        private byte[] data;

        UrlImage(String url, MediaUrlResolver resolver) {
            this.url = url;
            this.resolver = resolver;
        }

        @Override
        public MediaRef.Kind kind() {
            return MediaRef.Kind.image;
        }

        @Override
        public String format() {
            return null;
        }

        @Override
        public synchronized byte[] bytes() throws dev.vlmesh.infer.backend.JobFailure {
            if (data == null) {
                try {
                    data = resolver.resolve(url);
                } catch (ApiError e) {
                    throw new dev.vlmesh.infer.backend.JobFailure(e.code(), false, e.getMessage());
                }
            }
            return data;
        }

        @Override
        public Optional<String> url(long expirySeconds) {
            return Optional.of(url);
        }
    }
}
