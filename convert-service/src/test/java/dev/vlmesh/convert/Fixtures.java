package dev.vlmesh.convert;

import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.messages.Item;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The engine's reference checkpoints (tools/reference) and moving folders to and from the object store. */
final class Fixtures {
    static final String B = "b-vit6b-qwen25"; // odd ViT head count, bfloat16
    static final String C = "c-vit300m-qwen25-224-sharded"; // several safetensors files with an index

    private Fixtures() {
    }

    static Path model(String name, String layout) {
        String override = System.getProperty("vlmesh.fixtures.models");
        Path root = override != null ? Path.of(override)
                : Path.of(System.getProperty("vlmesh.repo.root", ".."), "engine/src/test/resources/fixtures/models");
        Path dir = root.resolve(name).resolve(layout);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalStateException("no fixture checkpoint at " + dir + " (run tools/reference/generate)");
        }
        return dir;
    }

    static void upload(MinioClient s3, String bucket, String prefix, Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    s3.putObject(PutObjectArgs.builder().bucket(bucket).object(prefix + f.getFileName())
                            .stream(in, Files.size(f), -1).build());
                }
            }
        }
    }

    static void put(MinioClient s3, String bucket, String key, byte[] data) throws Exception {
        s3.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(new java.io.ByteArrayInputStream(data), data.length, -1).build());
    }

    /** Copies every object under {@code prefix} into {@code dest}, keeping relative paths. */
    static List<String> download(MinioClient s3, String bucket, String prefix, Path dest) throws Exception {
        List<String> keys = new ArrayList<>();
        for (Result<Item> r : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true)
                .build())) {
            String key = r.get().objectName();
            keys.add(key);
            Path target = dest.resolve(key.substring(prefix.length()));
            Files.createDirectories(target.getParent());
            try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
                Files.copy(in, target);
            }
        }
        return keys;
    }
}
