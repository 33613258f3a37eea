package dev.vlmesh.ingest.jobs;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * A job as a client sends it (JSON body, a multipart form's fields, or one line of a batch). Field names are
 * snake_case ({@code custom_id}, {@code max_new_tokens}, …), like every body of the public API; the camelCase names
 * ({@code customId}, {@code maxNewTokens}, …) the first clients were written with stay accepted as aliases.
 *
 * @param task        describe, ocr or chat
 * @param prompt      the question; optional for describe and ocr (a default in the request's language is used)
 * @param language    en or zh: picks the default prompt (otherwise the Accept-Language header, then English)
 * @param media       media already in the store ({@code sha256}) or presigned uploads ({@code upload_id})
 * @param model       model name; the configured default when absent
 * @param modelVersion a converted checkpoint version; the newest ready one when absent
 * @param priority    0 (default) to 10; higher runs first among a worker's queued jobs
 * @param callbackUrl https URL results-service calls when the job ends
 * @param customId    the client's own reference, echoed in events and results
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record JobRequest(
        String task,
        String prompt,
        String language,
        List<MediaSpec> media,
        OptionsSpec options,
        String model,
        @JsonAlias("modelVersion") String modelVersion,
        Integer priority,
        @JsonAlias("callbackUrl") String callbackUrl,
        @JsonAlias("customId") String customId) {

    /** One media reference: exactly one of the two. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record MediaSpec(String sha256, @JsonAlias("uploadId") String uploadId) {
    }

    /**
     * Generation and preprocessing options; null means the worker's default. {@code max_num} and
     * {@code num_segments} are InternVL's own names for the tile and frame counts.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record OptionsSpec(
            @JsonAlias("maxNewTokens") Integer maxNewTokens,
            @JsonAlias({"maxTiles", "max_num"}) Integer maxTiles,
            @JsonAlias({"numFrames", "num_segments"}) Integer numFrames,
            Double temperature,
            @JsonAlias("topP") Double topP,
            @JsonAlias("topK") Integer topK,
            Long seed,
            @JsonAlias("segmentSeconds") Double segmentSeconds,
            @JsonAlias("startSeconds") Double startSeconds,
            @JsonAlias("endSeconds") Double endSeconds) {
    }

    public JobRequest withMedia(List<MediaSpec> m) {
        return new JobRequest(task, prompt, language, m, options, model, modelVersion, priority, callbackUrl,
                customId);
    }
}
