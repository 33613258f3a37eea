package dev.vlmesh.ingest.batches;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.vlmesh.ingest.jobs.JobAccepted;
import java.time.Instant;
import java.util.List;

/**
 * The answer to {@code POST /v1/batches}: the batch id, a line per accepted job, and a line per refused one.
 *
 * @param jobs   accepted lines with their job ids and links
 * @param errors refused lines, each with the status and problem type it would have had as a single request
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchAccepted(String id, String object, Instant createdAt, int lines, int accepted, int rejected,
                            List<AcceptedLine> jobs, List<LineError> errors) {

    public record AcceptedLine(int line, String customId, String id, JobAccepted.Links links) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LineError(int line, String customId, int status, String type, String detail, String field) {
    }
}
