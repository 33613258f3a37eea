package dev.vlmesh.ingest.jobs;

import dev.vlmesh.events.GenerationOptions;
import dev.vlmesh.events.Task;

/**
 * A request whose fields passed validation, normalised (defaults filled in, except the prompt, whose default depends
 * on the media kinds known only after the media are resolved).
 *
 * @param prompt   null when the default prompt applies
 * @param language en or zh
 */
public record ValidatedJob(Task task, String prompt, String language, GenerationOptions options, String model,
                           String modelVersion, int priority, String callbackUrl, String customId) {
}
