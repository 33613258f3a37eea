package dev.vlmesh.results.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.vlmesh.results.state.JobState;
import dev.vlmesh.results.state.JobStatus;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A batch as results-service sees it: the jobs of that batch id that have reached it so far. {@code completed}
 * means every job seen has ended.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchView(String id, String object, String status, Counts requestCounts, Instant createdAt,
                        Instant finishedAt, Map<String, String> links) {

    public record Counts(int total, int queued, int running, int succeeded, int failed, int cancelled) {
    }

    public static BatchView of(String batchId, List<JobState> jobs) {
        Map<JobStatus, Integer> n = new EnumMap<>(JobStatus.class);
        for (JobState j : jobs) {
            n.merge(j.status, 1, Integer::sum);
        }
        boolean done = jobs.stream().allMatch(j -> j.status.terminal());
        Instant created = jobs.stream().map(j -> j.createdAt).filter(Objects::nonNull).min(Instant::compareTo)
                .orElse(null);
        Instant finished = done ? jobs.stream().map(j -> j.finishedAt).filter(Objects::nonNull)
                .max(Instant::compareTo).orElse(null) : null;
        Counts counts = new Counts(jobs.size(), n.getOrDefault(JobStatus.queued, 0),
                n.getOrDefault(JobStatus.running, 0), n.getOrDefault(JobStatus.succeeded, 0),
                n.getOrDefault(JobStatus.failed, 0), n.getOrDefault(JobStatus.cancelled, 0));
        return new BatchView(batchId, "batch", done ? "completed" : "in_progress", counts, created, finished,
                Map.of("self", "/v1/batches/" + batchId, "results", "/v1/batches/" + batchId + "/results",
                        "jobs", "/v1/jobs?batch_id=" + batchId));
    }
}
