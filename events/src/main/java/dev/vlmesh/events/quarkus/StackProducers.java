package dev.vlmesh.events.quarkus;

import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.Topics;
import dev.vlmesh.events.stack.ObjectStores;
import io.minio.MinioClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * CDI wiring shared by the services: topic names, bucket layout and the S3 client, all derived from
 * {@code vlmesh.namespace} (empty in production; a per-test-class namespace in tests).
 */
@ApplicationScoped
public class StackProducers {

    @Produces
    @Singleton
    @Named("vlmesh.namespace")
    String namespace(@ConfigProperty(name = "vlmesh.namespace") Optional<String> namespace) {
        return namespace.orElse("");
    }

    @Produces
    @Singleton
    Topics topics(@ConfigProperty(name = "vlmesh.namespace") Optional<String> namespace) {
        return Topics.withNamespace(namespace.orElse(""));
    }

    @Produces
    @Singleton
    StoreLayout storeLayout(@ConfigProperty(name = "vlmesh.namespace") Optional<String> namespace) {
        return StoreLayout.withNamespace(namespace.orElse(""));
    }

    @Produces
    @Singleton
    MinioClient minio(S3Config s3) {
        return ObjectStores.client(s3.endpoint(), s3.accessKey(), s3.secretKey(), s3.region());
    }
}
