package dev.vlmesh.results.webhook;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Webhook delivery knobs ({@code vlmesh.webhooks.*}); documented in results-service/README.md. */
@ConfigMapping(prefix = "vlmesh.webhooks")
public interface WebhookConfig {

    /** Whether this instance sends webhooks; every instance keeps the durable outbox either way. */
    @WithDefault("true")
    boolean enabled();

    /** Per-tenant signing secrets are derived from this; set it in every real deployment. */
    String masterSecret();

    @WithDefault("PT2S")
    Duration initialBackoff();

    @WithDefault("PT30M")
    Duration maxBackoff();

    @WithDefault("12")
    int maxAttempts();

    @WithDefault("PT10S")
    Duration timeout();

    @WithDefault("PT0.5S")
    Duration pollInterval();

    /** Allow callback URLs that resolve to loopback, private or link-local addresses (off: SSRF guard). */
    @WithDefault("false")
    boolean allowPrivateAddresses();
}
