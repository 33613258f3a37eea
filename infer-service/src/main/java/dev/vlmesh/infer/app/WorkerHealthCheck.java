package dev.vlmesh.infer.app;

import dev.vlmesh.infer.InferWorker;
import dev.vlmesh.infer.checkpoint.ModelManager;
import dev.vlmesh.infer.checkpoint.ModelRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the model is loaded (its name and version are reported), the backend can take work and the topic
 * readers and job consumer run. Broker and store reachability have their own checks (Kafka, object-store).
 */
@Readiness
@ApplicationScoped
public class WorkerHealthCheck implements HealthCheck {

    @Inject
    WorkerLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder r = HealthCheckResponse.named("model");
        InferWorker w;
        try {
            w = lifecycle.worker();
        } catch (IllegalStateException e) {
            return r.down().withData("reason", "starting").build();
        }
        boolean up = w.backend().ready() && w.consumerHealthy();
        r.withData("backend", w.backend().name());
        if (w.models().isPresent()) {
            ModelManager m = w.models().get();
            r.withData("model", m.modelName());
            m.versions().current().map(ModelRuntime::version).ifPresent(v -> r.withData("version", v));
            r.withData("loadedVersions", String.valueOf(m.versions().loadedVersions().keySet()));
            if (m.lastError() != null) {
                r.withData("lastError", m.lastError());
            }
            // with backend=openai the engine only serves the API; it does not decide whether jobs can run
            up &= m.loaded() || !w.settings().embedded();
        }
        r.withData("consuming", w.consuming());
        return (up ? r.up() : r.down()).build();
    }
}
