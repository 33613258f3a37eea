package dev.vlmesh.events.stack;

import java.util.Map;

/**
 * Where the Kafka broker and the S3 store are, read from the environment with the local stack's defaults. The same
 * variables drive {@code deploy/local/up}, the services and the tests.
 */
public record StackSettings(String kafkaBootstrap, String s3Endpoint, String s3AccessKey, String s3SecretKey,
                            String s3Region) {

    public static final String DEFAULT_ACCESS_KEY = "vlmesh";
    public static final String DEFAULT_SECRET_KEY = "vlmesh-local-secret";

    public static StackSettings fromEnvironment() {
        return from(System.getenv());
    }

    public static StackSettings from(Map<String, String> env) {
        String kafka = env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS",
                "127.0.0.1:" + env.getOrDefault("KAFKA_PORT", "9092"));
        String s3 = env.getOrDefault("S3_ENDPOINT", "http://127.0.0.1:" + env.getOrDefault("S3_PORT", "9000"));
        return new StackSettings(kafka, s3,
                env.getOrDefault("S3_ACCESS_KEY", DEFAULT_ACCESS_KEY),
                env.getOrDefault("S3_SECRET_KEY", DEFAULT_SECRET_KEY),
                env.getOrDefault("S3_REGION", "us-east-1"));
    }
}
