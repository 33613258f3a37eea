package dev.vlmesh.results;

import dev.vlmesh.testing.LocalStack;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The whole job path for videos: the client stack (results-service under test + the real ingest-service) plus the
 * real infer-service from its packaged jar on the same namespace, running a reference fixture model (tiny random
 * weights: its answers are noise, but exactly transformers' for the same input).
 */
public class VideoStackResource extends ClientsStackResource {

    private ServiceProcess infer;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = super.start();
        Map<String, String> inferConfig = new HashMap<>();
        for (String k : new String[]{"kafka.bootstrap.servers", "vlmesh.namespace", "vlmesh.s3.endpoint",
                "vlmesh.s3.access-key", "vlmesh.s3.secret-key", "vlmesh.s3.region"}) {
            inferConfig.put(k, config.get(k));
        }
        inferConfig.put("vlmesh.infer.model.local-path", modelDir().toString());
        inferConfig.put("vlmesh.infer.engine.threads", "1");
        inferConfig.put("vlmesh.infer.api.enabled", "false");
        inferConfig.put("vlmesh.infer.kafka.session-timeout-ms", "6000");
        try {
            infer = ServiceProcess.infer(config.get("vlmesh.namespace"), inferConfig).launch()
                    .awaitReady(java.time.Duration.ofSeconds(180));
        } catch (Exception e) {
            throw new IllegalStateException("could not start infer-service for the video test", e);
        }
        return config;
    }

    /** The model infer-service serves as its local model. */
    protected Path modelDir() {
        return LocalStack.repoRoot().resolve("engine/src/test/resources/fixtures/models/a-vit300m-qwen25/original");
    }

    @Override
    public void stop() {
        if (infer != null) {
            try {
                infer.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        super.stop();
    }
}
