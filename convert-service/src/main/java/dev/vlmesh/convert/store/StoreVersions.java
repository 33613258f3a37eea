package dev.vlmesh.convert.store;

import dev.vlmesh.convert.state.VersionInfo;
import dev.vlmesh.engine.convert.Manifest;
import dev.vlmesh.events.ParallelConfig;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/** Every complete version in the store: the {@code models/{model}/{version}/manifest.json} objects. */
public final class StoreVersions {
    private static final Logger LOG = Logger.getLogger(StoreVersions.class);

    private StoreVersions() {
    }

    public static List<VersionInfo> load(MinioClient s3, String bucket) throws Exception {
        List<VersionInfo> out = new ArrayList<>();
        for (Result<Item> r : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix("models/")
                .recursive(true).build())) {
            Item it = r.get();
            String[] parts = it.objectName().split("/");
            if (parts.length != 4 || !parts[3].equals(Manifest.FILE)) {
                continue;
            }
            try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(it.objectName())
                    .build())) {
                Manifest m = Manifest.json().readValue(in, Manifest.class);
                Manifest.Parallel p = m.parallel();
                out.add(new VersionInfo(parts[1], parts[2], bucket, it.objectName(), m.layout(),
                        new ParallelConfig(p.tp(), p.llmPpLayers(), p.vitPpLayers()), p.outputFormat(),
                        m.source().digest(), null,
                        it.lastModified() == null ? null : it.lastModified().toInstant()));
            } catch (Exception e) {
                // a foreign or damaged manifest must not keep the service from starting
                LOG.warnf("ignoring %s: %s", it.objectName(), e.getMessage());
            }
        }
        return out;
    }
}
