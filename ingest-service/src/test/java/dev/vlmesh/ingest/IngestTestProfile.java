package dev.vlmesh.ingest;

import dev.vlmesh.events.tenant.ApiKeys;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.HashMap;
import java.util.Map;

/**
 * Test configuration: two tenants, small limits so that "too large" can be shown with small files, short broker
 * timeouts so that an outage answers within seconds, and a small multipart threshold. Subclasses change single knobs.
 */
public class IngestTestProfile implements QuarkusTestProfile {
    public static final String DEMO_KEY = "vlmesh-demo-key";
    public static final String ACME_KEY = "vlmesh-acme-key";

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> c = new HashMap<>();
        c.put("vlmesh.auth.api-keys", "demo:" + ApiKeys.hash(DEMO_KEY) + ",acme:" + ApiKeys.hash(ACME_KEY));
        c.put("vlmesh.ingest.limits.image-max-bytes", Long.toString(2L << 20));
        c.put("vlmesh.ingest.limits.video-max-seconds", "600");
        c.put("quarkus.http.limits.max-body-size", "24M");
        c.put("vlmesh.ingest.kafka.max-block-ms", "3000");
        c.put("vlmesh.ingest.kafka.request-timeout-ms", "2000");
        c.put("vlmesh.ingest.kafka.delivery-timeout-ms", "5000");
        c.put("vlmesh.ingest.uploads.multipart-threshold-bytes", Long.toString(8L << 20));
        c.put("vlmesh.ingest.uploads.part-size-bytes", Long.toString(5L << 20));
        c.put("vlmesh.ingest.tenants.rate-per-second", "1000");
        c.put("vlmesh.ingest.tenants.burst", "1000");
        c.put("vlmesh.ingest.results-base-url", "http://results.test:8080");
        c.putAll(extra());
        return c;
    }

    protected Map<String, String> extra() {
        return Map.of();
    }
}
