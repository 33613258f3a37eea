package dev.vlmesh.events.quarkus;

import dev.vlmesh.events.StoreLayout;
import io.minio.BucketExistsArgs;
import io.minio.MinioClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only when the object store answers and the project's buckets exist. */
@Readiness
@ApplicationScoped
public class ObjectStoreHealthCheck implements HealthCheck {

    @Inject
    MinioClient s3;

    @Inject
    StoreLayout layout;

    @Inject
    S3Config config;

    @Override
    public HealthCheckResponse call() {
        var r = HealthCheckResponse.named("object-store").withData("endpoint", config.endpoint());
        try {
            for (String bucket : new String[] {layout.mediaBucket(), layout.checkpointBucket()}) {
                if (!s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                    return r.down().withData("missing-bucket", bucket).build();
                }
            }
            return r.up().build();
        } catch (Exception e) {
            return r.down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
