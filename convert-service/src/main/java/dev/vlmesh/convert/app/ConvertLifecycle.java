package dev.vlmesh.convert.app;

import dev.vlmesh.convert.ConvertService;
import dev.vlmesh.convert.config.ConvertSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.minio.MinioClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;

/**
 * Starts the converter with the application and stops it on exit: running conversions are interrupted, their
 * requests stay uncommitted and resume from their work folders when the service comes back.
 */
@ApplicationScoped
public class ConvertLifecycle {

    @Inject
    Config config;

    @Inject
    MinioClient s3;

    @Inject
    MeterRegistry metrics;

    private volatile ConvertService service;

    void start(@Observes StartupEvent e) throws Exception {
        service = new ConvertService(ConvertSettings.from(config), s3, metrics);
    }

    void stop(@Observes ShutdownEvent e) {
        ConvertService s = service;
        if (s != null) {
            s.close();
        }
    }

    public ConvertService service() {
        ConvertService s = service;
        if (s == null) {
            throw new IllegalStateException("convert-service is starting");
        }
        return s;
    }
}
