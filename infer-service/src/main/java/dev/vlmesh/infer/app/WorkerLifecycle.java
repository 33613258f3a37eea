package dev.vlmesh.infer.app;

import dev.vlmesh.infer.InferWorker;
import dev.vlmesh.infer.config.WorkerSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;

/** Starts the worker with the application and stops it (gracefully: running jobs get their grace period) on exit. */
@ApplicationScoped
public class WorkerLifecycle {

    @Inject
    Config config;

    @Inject
    MeterRegistry registry;

    private volatile InferWorker worker;

    void start(@Observes StartupEvent e) {
        worker = new InferWorker(WorkerSettings.from(config), registry);
    }

    void stop(@Observes ShutdownEvent e) {
        InferWorker w = worker;
        if (w != null) {
            w.close();
        }
    }

    public InferWorker worker() {
        InferWorker w = worker;
        if (w == null) {
            throw new IllegalStateException("the worker is not started");
        }
        return w;
    }
}
