package dev.vlmesh.convert.app;

import dev.vlmesh.convert.ConvertService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the request consumer runs and the conversion state has been rebuilt from the topics. */
@Readiness
@ApplicationScoped
public class ConverterHealthCheck implements HealthCheck {

    @Inject
    ConvertLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder r = HealthCheckResponse.named("converter");
        ConvertService s;
        try {
            s = lifecycle.service();
        } catch (IllegalStateException e) {
            return r.down().withData("reason", "starting").build();
        }
        r.withData("stateRebuilt", s.caughtUp());
        if (s.lastError() != null) {
            r.withData("lastError", s.lastError());
        }
        return (s.healthy() && s.caughtUp() ? r.up() : r.down()).build();
    }
}
