package dev.vlmesh.results.state;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the job-state stream application runs (restored and consuming). */
@Readiness
@ApplicationScoped
public class JobStateHealthCheck implements HealthCheck {

    @Inject
    JobStateStore store;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("job-state")
                .status(store.running())
                .withData("state", store.stateName())
                .withData("application-id", String.valueOf(store.applicationId()))
                .build();
    }
}
