package dev.vlmesh.infer;

import dev.vlmesh.infer.config.WorkerSettings;
import dev.vlmesh.testing.TestStack;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.HashMap;
import java.util.Map;

/** Settings for workers started by tests: application.properties, the test's stack namespace, then overrides. */
public final class TestWorkers {

    private TestWorkers() {
    }

    public static Map<String, String> base(TestStack stack) {
        Map<String, String> m = new HashMap<>(stack.quarkusConfig());
        m.put("vlmesh.infer.model.local-path", Fixtures.model(Fixtures.MODEL_A).toString());
        m.put("vlmesh.infer.kafka.session-timeout-ms", "6000");
        m.put("vlmesh.infer.engine.threads", "1");
        m.put("vlmesh.infer.retry.backoff-ms", "100");
        m.put("vlmesh.infer.shutdown-grace-ms", "2000");
        return m;
    }

    public static WorkerSettings settings(Map<String, String> overrides) {
        try {
            var b = new SmallRyeConfigBuilder().addDefaultSources().addDefaultInterceptors()
                    .withSources(new PropertiesConfigSource(TestWorkers.class.getClassLoader()
                            .getResource("application.properties"), 250))
                    .withSources(new PropertiesConfigSource(new HashMap<>(overrides), "test-overrides", 500));
            return WorkerSettings.from(b.build());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
