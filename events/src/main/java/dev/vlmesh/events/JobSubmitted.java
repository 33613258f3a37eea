package dev.vlmesh.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * A job accepted by ingest: its media is durably stored and this event acknowledged by Kafka before the client
 * gets its 202.
 *
 * @param model        model name the job asks for
 * @param modelVersion pinned checkpoint version, or null for the newest ready one
 * @param priority     higher runs first among queued jobs of a worker (0 default)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobSubmitted(
        int schemaVersion,
        String eventId,
        Instant time,
        String jobId,
        String tenantId,
        String batchId,
        String customId,
        Task task,
        String prompt,
        List<MediaRef> media,
        GenerationOptions options,
        String model,
        String modelVersion,
        int priority,
        String callbackUrl) implements JobEvent {

    public JobSubmitted {
        media = media == null ? List.of() : List.copyOf(media);
        options = options == null ? GenerationOptions.defaults() : options;
    }

    public static JobSubmitted of(String jobId, String tenantId, String batchId, String customId, Task task,
                                  String prompt, List<MediaRef> media, GenerationOptions options, String model,
                                  String modelVersion, int priority, String callbackUrl) {
        return new JobSubmitted(CURRENT_SCHEMA_VERSION, Ids.newEventId(), Instant.now(), jobId, tenantId, batchId,
                customId, task, prompt, media, options, model, modelVersion, priority, callbackUrl);
    }
}
