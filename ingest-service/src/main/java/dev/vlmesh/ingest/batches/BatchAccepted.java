package dev.vlmesh.ingest.batches;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.vlmesh.ingest.jobs.JobAccepted;
import java.time.Instant;
import java.util.List;

/**
 * The answer to {@code POST /v1/batches}: the batch id, a line per accepted job, and a line per refused one
 * (snake_case on the wire, see {@link JobAccepted}).
 *
 * @param jobs   accepted lines with their job ids and links
 * @param errors refused lines, each with the status and problem type it would have had as a single request
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BatchAccepted(String id, String object, Instant createdAt, int lines, int accepted, int rejected,
                            List<AcceptedLine> jobs, List<LineError> errors) {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record AcceptedLine(int line, String customId, String id, JobAccepted.Links links) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record LineError(int line, String customId, int status, String type, String detail, String field) {
    }
}
