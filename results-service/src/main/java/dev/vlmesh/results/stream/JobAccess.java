package dev.vlmesh.results.stream;

import dev.vlmesh.events.quarkus.Problem;
import dev.vlmesh.results.state.JobState;
import dev.vlmesh.results.state.JobStateStore;

/** The tenant rule in one place: another tenant's job is indistinguishable from a job that does not exist. */
public final class JobAccess {

    private JobAccess() {
    }

    public static JobState visible(JobStateStore store, String tenant, String jobId) {
        return store.job(jobId).filter(j -> j.tenantId.equals(tenant)).orElseThrow(() -> notFound(jobId));
    }

    public static Problem.ProblemException notFound(String jobId) {
        return new Problem.ProblemException(Problem.of(404, "job-not-found", "Job not found",
                "No job '" + jobId + "' for this API key."));
    }
}
