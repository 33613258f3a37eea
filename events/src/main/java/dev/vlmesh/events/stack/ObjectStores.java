package dev.vlmesh.events.stack;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.errors.ErrorResponseException;

/** Builds MinIO clients and creates buckets; shared by services, the stack admin and tests. */
public final class ObjectStores {

    private ObjectStores() {
    }

    public static MinioClient client(String endpoint, String accessKey, String secretKey, String region) {
        return MinioClient.builder()
                .endpoint(endpoint)
                .credentials(accessKey, secretKey)
                .region(region)
                .build();
    }

    public static MinioClient client(StackSettings s) {
        return client(s.s3Endpoint(), s.s3AccessKey(), s.s3SecretKey(), s.s3Region());
    }

    /** Creates the bucket unless it exists; a concurrent creator winning the race is fine. */
    public static void ensureBucket(MinioClient client, String bucket) throws Exception {
        if (client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            return;
        }
        try {
            client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if (!"BucketAlreadyOwnedByYou".equals(code) && !"BucketAlreadyExists".equals(code)) {
                throw e;
            }
        }
    }
}
