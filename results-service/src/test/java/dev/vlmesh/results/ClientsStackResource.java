package dev.vlmesh.results;

import java.util.HashMap;
import java.util.Map;

/**
 * The results test stack plus the real ingest-service, run from its packaged jar on the same namespace before the
 * app starts, so that the console's config can point at it. Ingest gets the CORS settings the console needs
 * (any 127.0.0.1 origin, since the app's test port is random) and the test API keys.
 */
public class ClientsStackResource extends ResultsStackResource {

    private ServiceProcess ingest;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        Map<String, String> ingestConfig = new HashMap<>(config);
        ingestConfig.remove("vlmesh.results.data-dir");
        ingestConfig.put("vlmesh.auth.api-keys", TestKeys.SPEC);
        ingestConfig.put("quarkus.http.cors.enabled", "true");
        ingestConfig.put("quarkus.http.cors.origins", "/http://127\\.0\\.0\\.1:[0-9]+/");
        ingestConfig.put("quarkus.http.cors.methods", "POST,OPTIONS");
        ingestConfig.put("quarkus.http.cors.headers", "Authorization,X-API-Key,Content-Type,Accept,Idempotency-Key");
        try {
            ingest = ServiceProcess.ingest(config.get("vlmesh.namespace"), ingestConfig).launch()
                    .awaitReady(java.time.Duration.ofSeconds(180));
        } catch (Exception e) {
            throw new IllegalStateException("could not start ingest-service for the client tests", e);
        }
        config.put("vlmesh.auth.api-keys", TestKeys.SPEC);
        config.put("vlmesh.console.ingest-url", ingest.url());
        config.put("vlmesh.console.samples-dir", TestMedia.samplesDir().toString());
        return config;
    }

    @Override
    public void stop() {
        if (ingest != null) {
            try {
                ingest.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        super.stop();
    }
}
