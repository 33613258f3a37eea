package dev.vlmesh.results.console;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** Web console knobs ({@code vlmesh.console.*}); documented in results-service/README.md. */
@ConfigMapping(prefix = "vlmesh.console")
public interface ConsoleConfig {

    /** Base URL of ingest-service as the browser reaches it; the console submits there directly (CORS). */
    String ingestUrl();

    /** API key pre-filled into the console's key field; leave unset in real deployments. */
    Optional<String> apiKey();

    /** Folder with the sample media the console offers (deploy/samples). */
    String samplesDir();
}
