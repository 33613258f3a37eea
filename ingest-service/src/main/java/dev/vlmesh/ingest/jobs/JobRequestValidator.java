package dev.vlmesh.ingest.jobs;

import dev.vlmesh.events.GenerationOptions;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.Task;
import dev.vlmesh.ingest.IngestConfig;
import dev.vlmesh.ingest.api.Problems;
import dev.vlmesh.ingest.jobs.JobRequest.MediaSpec;
import dev.vlmesh.ingest.jobs.JobRequest.OptionsSpec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Checks every field of a job request before anything expensive happens, with a message per field that says what is
 * accepted. Media references are checked for shape here; whether they exist is checked when they are resolved.
 */
@ApplicationScoped
public class JobRequestValidator {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");
    public static final int MAX_PRIORITY = 10;

    @Inject
    IngestConfig config;

    /**
     * @param acceptLanguage the request's Accept-Language header (picks the default prompt's language), or null
     * @param attachments    files sent in the same multipart request
     */
    public ValidatedJob validate(JobRequest r, String acceptLanguage, int attachments) {
        if (r == null) {
            throw Problems.badRequest("the request body is empty: send a job as JSON or as multipart/form-data");
        }
        if (r.task() == null || r.task().isBlank()) {
            throw Problems.invalidField("task", "'task' is required: describe, ocr or chat");
        }
        Task task;
        try {
            task = Task.fromWire(r.task());
        } catch (IllegalArgumentException e) {
            throw Problems.invalidField("task", e.getMessage());
        }
        String prompt = r.prompt();
        if (prompt != null && prompt.isBlank()) {
            prompt = null;
        }
        if (task == Task.CHAT && prompt == null) {
            throw Problems.invalidField("prompt", "'prompt' is required for chat (describe and ocr have defaults)");
        }
        if (prompt != null) {
            if (prompt.length() > config.limits().promptMaxChars()) {
                throw Problems.invalidField("prompt", "the prompt has " + prompt.length()
                        + " characters; the limit is " + config.limits().promptMaxChars());
            }
            if (prompt.indexOf('\0') >= 0) {
                throw Problems.invalidField("prompt", "the prompt contains a NUL character");
            }
        }
        String language = language(r.language(), acceptLanguage, prompt);
        int mediaCount = (r.media() == null ? 0 : r.media().size()) + attachments;
        if (mediaCount == 0 && task != Task.CHAT) {
            throw Problems.invalidField("media", task.wire() + " needs at least one image or video: attach a file, or "
                    + "reference one with media[].sha256 or media[].upload_id");
        }
        if (mediaCount > config.limits().mediaPerJob()) {
            throw Problems.invalidField("media", mediaCount + " media in one job; the limit is "
                    + config.limits().mediaPerJob());
        }
        if (r.media() != null) {
            for (int i = 0; i < r.media().size(); i++) {
                checkMedia(r.media().get(i), i);
            }
        }
        GenerationOptions options = options(r.options());
        String model = r.model() == null || r.model().isBlank() ? config.defaultModel() : r.model().trim();
        safe(model, "model");
        String version = r.modelVersion() == null || r.modelVersion().isBlank() ? null : r.modelVersion().trim();
        if (version != null) {
            safe(version, "model_version");
        }
        int priority = r.priority() == null ? 0 : r.priority();
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw Problems.invalidField("priority", "priority must be between 0 and " + MAX_PRIORITY + ", got "
                    + priority);
        }
        String callback = r.callbackUrl() == null || r.callbackUrl().isBlank() ? null : checkCallback(r.callbackUrl());
        String customId = r.customId();
        if (customId != null) {
            if (customId.length() > 128 || customId.isEmpty() || customId.chars().anyMatch(c -> c < 0x20)) {
                throw Problems.invalidField("custom_id", "custom_id must be 1 to 128 printable characters");
            }
        }
        return new ValidatedJob(task, prompt, language, options, model, version, priority, callback, customId);
    }

    /** Normalised media references (lower-case digests), in request order. */
    public static List<MediaSpec> normalisedMedia(List<MediaSpec> media) {
        List<MediaSpec> out = new ArrayList<>();
        if (media != null) {
            for (MediaSpec m : media) {
                out.add(new MediaSpec(m.sha256() == null ? null : m.sha256().toLowerCase(Locale.ROOT), m.uploadId()));
            }
        }
        return out;
    }

    private static void checkMedia(MediaSpec m, int i) {
        String field = "media[" + i + "]";
        if (m == null) {
            throw Problems.invalidField(field, field + " is null");
        }
        boolean hasSha = m.sha256() != null;
        boolean hasUpload = m.uploadId() != null;
        if (hasSha == hasUpload) {
            throw Problems.invalidField(field, field + " needs exactly one of 'sha256' (media already stored) or "
                    + "'upload_id' (a presigned upload)");
        }
        if (hasSha && !HEX64.matcher(m.sha256()).matches()) {
            throw Problems.invalidField(field + ".sha256", "'" + m.sha256() + "' is not a SHA-256 (64 hex digits)");
        }
        if (hasUpload) {
            try {
                StoreLayout.safe(m.uploadId(), "upload id");
            } catch (IllegalArgumentException e) {
                throw Problems.invalidField(field + ".upload_id", e.getMessage());
            }
        }
    }

    private GenerationOptions options(OptionsSpec o) {
        if (o == null) {
            return GenerationOptions.defaults();
        }
        var l = config.limits();
        range("options.max_new_tokens", o.maxNewTokens(), 1, l.maxNewTokens());
        range("options.max_tiles", o.maxTiles(), 1, l.maxTiles());
        range("options.num_frames", o.numFrames(), 1, l.maxFrames());
        range("options.top_k", o.topK(), 0, 100_000);
        if (o.temperature() != null && !(o.temperature() >= 0 && o.temperature() <= 2)) {
            throw Problems.invalidField("options.temperature", "temperature must be between 0 and 2 (0 = greedy)");
        }
        if (o.topP() != null && !(o.topP() > 0 && o.topP() <= 1)) {
            throw Problems.invalidField("options.top_p", "top_p must be greater than 0 and at most 1");
        }
        if (o.segmentSeconds() != null && !(o.segmentSeconds() > 0 && o.segmentSeconds() <= l.videoMaxSeconds())) {
            throw Problems.invalidField("options.segment_seconds", "segment_seconds must be greater than 0 and at most "
                    + l.videoMaxSeconds());
        }
        if (o.startSeconds() != null && !(o.startSeconds() >= 0 && Double.isFinite(o.startSeconds()))) {
            throw Problems.invalidField("options.start_seconds", "start_seconds must be 0 or more");
        }
        if (o.endSeconds() != null && !(o.endSeconds() > 0 && Double.isFinite(o.endSeconds()))) {
            throw Problems.invalidField("options.end_seconds", "end_seconds must be greater than 0");
        }
        if (o.startSeconds() != null && o.endSeconds() != null && o.endSeconds() <= o.startSeconds()) {
            throw Problems.invalidField("options.end_seconds", "end_seconds must be after start_seconds");
        }
        return new GenerationOptions(o.maxNewTokens(), o.maxTiles(), o.numFrames(), o.temperature(), o.topP(),
                o.topK(), o.seed(), o.segmentSeconds(), o.startSeconds(), o.endSeconds());
    }

    private static void range(String field, Integer v, int min, int max) {
        if (v != null && (v < min || v > max)) {
            throw Problems.invalidField(field, field.substring(field.indexOf('.') + 1) + " must be between " + min
                    + " and " + max + ", got " + v);
        }
    }

    private static void safe(String name, String field) {
        try {
            StoreLayout.safe(name, field);
        } catch (IllegalArgumentException e) {
            throw Problems.invalidField(field, e.getMessage());
        }
    }

    static String language(String explicit, String acceptLanguage, String prompt) {
        if (explicit != null && !explicit.isBlank()) {
            String l = explicit.trim().toLowerCase(Locale.ROOT);
            if (l.startsWith("zh") || l.equals("chinese")) {
                return "zh";
            }
            if (l.startsWith("en") || l.equals("english")) {
                return "en";
            }
            throw Problems.invalidField("language", "language must be en or zh, got '" + explicit + "'");
        }
        if (prompt != null && prompt.codePoints().anyMatch(c -> Character.UnicodeScript.of(c)
                == Character.UnicodeScript.HAN)) {
            return "zh";
        }
        if (acceptLanguage != null && acceptLanguage.trim().toLowerCase(Locale.ROOT).startsWith("zh")) {
            return "zh";
        }
        return "en";
    }

    /**
     * An absolute http(s) URL without credentials, not aimed at this machine or a private network by a literal
     * address (names are resolved, and checked again, by the service that calls back).
     */
    private static String checkCallback(String url) {
        URI u;
        try {
            u = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw Problems.invalidField("callback_url", "callback_url is not a valid URL: " + e.getReason());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw Problems.invalidField("callback_url", "callback_url must be an absolute http or https URL");
        }
        if (u.getHost() == null || u.getUserInfo() != null || url.length() > 2048) {
            throw Problems.invalidField("callback_url", "callback_url must name a host, carry no credentials and be at "
                    + "most 2048 characters");
        }
        String host = u.getHost().toLowerCase(Locale.ROOT);
        boolean literal = host.matches("[0-9.]+") || host.startsWith("[");
        boolean local = host.equals("localhost") || host.endsWith(".localhost");
        if (literal) {
            try {
                InetAddress a = InetAddress.getByName(host.replace("[", "").replace("]", ""));
                local |= a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress()
                        || a.isAnyLocalAddress() || a.isMulticastAddress();
            } catch (java.net.UnknownHostException e) {
                throw Problems.invalidField("callback_url", "callback_url has an invalid address");
            }
        }
        if (local) {
            throw Problems.invalidField("callback_url", "callback_url must not point at a loopback or private address");
        }
        return u.toString();
    }
}
