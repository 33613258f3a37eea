package dev.vlmesh.results;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** State and API knobs ({@code vlmesh.results.*}); documented in results-service/README.md. */
@ConfigMapping(prefix = "vlmesh.results")
public interface ResultsConfig {

    /** Stable, unique per instance: names this instance's Kafka Streams application and state. */
    String instanceId();

    /** Where RocksDB keeps the state stores (a cache of the changelog topics: losing it costs a restore). */
    String dataDir();

    /** {@code exactly_once_v2} (default) or {@code at_least_once}. */
    @WithDefault("exactly_once_v2")
    String processingGuarantee();

    /** How long a stream request waits for a job that is not known yet (submitted a moment ago). */
    @WithDefault("PT5S")
    Duration unknownJobGrace();

    /** SSE comment sent this often so that idle connections stay open and dead ones are noticed. */
    @WithDefault("PT15S")
    Duration heartbeat();

    @WithDefault("200")
    int maxPageSize();
}
