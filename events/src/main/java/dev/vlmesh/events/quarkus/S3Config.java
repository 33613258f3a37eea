package dev.vlmesh.events.quarkus;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The object store every service talks to ({@code vlmesh.s3.*}). */
@ConfigMapping(prefix = "vlmesh.s3")
public interface S3Config {

    /** S3 API endpoint, e.g. {@code http://127.0.0.1:9000}. */
    String endpoint();

    String accessKey();

    String secretKey();

    @WithDefault("us-east-1")
    String region();
}
