package dev.vlmesh.ingest.jobs;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A job as a client sends it (JSON body, a multipart form's fields, or one line of a batch). Field names are camelCase
 * with snake_case aliases ({@code custom_id}, {@code max_new_tokens}, …) for clients used to OpenAI-style APIs.
 *
 * @param task        describe, ocr or chat
 * @param prompt      the question; optional for describe and ocr (a default in the request's language is used)
 * @param language    en or zh: picks the default prompt (otherwise the Accept-Language header, then English)
 * @param media       media already in the store ({@code sha256}) or presigned uploads ({@code uploadId})
 * @param model       model name; the configured default when absent
 * @param modelVersion a converted checkpoint version; the newest ready one when absent
 * @param priority    0 (default) to 10; higher runs first among a worker's queued jobs
 * @param callbackUrl https URL results-service calls when the job ends
 * @param customId    the client's own reference, echoed in events and results
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobRequest(
        String task,
        String prompt,
        String language,
        List<MediaSpec> media,
        OptionsSpec options,
        String model,
        @JsonAlias("model_version") String modelVersion,
        Integer priority,
        @JsonAlias("callback_url") String callbackUrl,
        @JsonAlias("custom_id") String customId) {

    /** One media reference: exactly one of the two. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MediaSpec(String sha256, @JsonAlias("upload_id") String uploadId) {
    }

    /** Generation and preprocessing options; null means the worker's default. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OptionsSpec(
            @JsonAlias("max_new_tokens") Integer maxNewTokens,
            @JsonAlias({"max_tiles", "max_num"}) Integer maxTiles,
            @JsonAlias({"num_frames", "num_segments"}) Integer numFrames,
            Double temperature,
            @JsonAlias("top_p") Double topP,
            @JsonAlias("top_k") Integer topK,
            Long seed,
            @JsonAlias("segment_seconds") Double segmentSeconds,
            @JsonAlias("start_seconds") Double startSeconds,
            @JsonAlias("end_seconds") Double endSeconds) {
    }

    public JobRequest withMedia(List<MediaSpec> m) {
        return new JobRequest(task, prompt, language, m, options, model, modelVersion, priority, callbackUrl,
                customId);
    }
}
