package dev.vlmesh.ingest.tenants;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the job ledger has read the counting window: before that the queued-job cap would undercount. */
@Readiness
@ApplicationScoped
public class JobLedgerHealthCheck implements HealthCheck {

    @Inject
    JobLedger ledger;

    @Override
    public HealthCheckResponse call() {
        var r = HealthCheckResponse.named("job-ledger").withData("trackedJobs", ledger.trackedJobs());
        String error = ledger.lastError();
        if (error != null) {
            r.withData("error", error);
        }
        return ledger.caughtUp() ? r.up().build() : r.down().build();
    }
}
