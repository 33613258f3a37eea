package dev.vlmesh.results.webhook;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Posts webhooks off the stream thread and queues each outcome for the task (partition) that owns the outbox entry.
 * Holds no durable state: what is in flight when the process dies is simply sent again after restart.
 */
@ApplicationScoped
public class WebhookSender {

    private static final Logger LOG = Logger.getLogger(WebhookSender.class);

    /** Outcome of one delivery attempt; {@code permanent} means retrying cannot help (refused URL). */
    public record Result(PendingWebhook webhook, boolean delivered, boolean permanent, Integer statusCode,
                         String error, Instant at) {
    }

    private final WebhookConfig config;
    private final WebhookSigner signer;
    private final HttpClient http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Queue<Result>> results = new ConcurrentHashMap<>();

    private final MeterRegistry metrics;

    public WebhookSender(WebhookConfig config, MeterRegistry metrics) {
        this.config = config;
        this.metrics = metrics;
        this.signer = new WebhookSigner(config.masterSecret());
        this.http = HttpClient.newBuilder()
                .connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public WebhookSigner signer() {
        return signer;
    }

    /** Starts a delivery unless one for the same message is already under way. */
    public void offer(int partition, PendingWebhook w) {
        if (!inFlight.add(w.webhookId())) {
            return;
        }
        executor.execute(() -> {
            Result r;
            try {
                r = deliver(w);
            } catch (RuntimeException e) {
                r = new Result(w, false, false, null, String.valueOf(e), Instant.now());
            }
            metrics.counter("vlmesh.results.webhook.attempts", "outcome",
                    r.delivered() ? "delivered" : r.permanent() ? "refused" : "failed").increment();
            results.computeIfAbsent(partition, p -> new ConcurrentLinkedQueue<>()).add(r);
            inFlight.remove(w.webhookId());
        });
    }

    /** Outcomes for one partition's outbox since the last call. */
    public List<Result> drain(int partition) {
        Queue<Result> q = results.get(partition);
        List<Result> out = new ArrayList<>();
        if (q != null) {
            for (Result r; (r = q.poll()) != null; ) {
                out.add(r);
            }
        }
        return out;
    }

    private Result deliver(PendingWebhook w) {
        URI uri;
        try {
            uri = URI.create(w.url());
        } catch (IllegalArgumentException e) {
            return new Result(w, false, true, null, "invalid callback URL", Instant.now());
        }
        String refusal = refusal(uri);
        if (refusal != null) {
            return new Result(w, false, true, null, refusal, Instant.now());
        }
        long ts = Instant.now().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "vlmesh-webhooks/1")
                .header(WebhookSigner.ID, w.webhookId())
                .header(WebhookSigner.TIMESTAMP, Long.toString(ts))
                .header(WebhookSigner.SIGNATURE,
                        WebhookSigner.sign(signer.secretFor(w.tenantId()), w.webhookId(), ts, w.payload()))
                .POST(HttpRequest.BodyPublishers.ofString(w.payload()))
                .build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            int code = response.statusCode();
            boolean ok = code >= 200 && code < 300;
            return new Result(w, ok, false, code, ok ? null : "receiver answered " + code, Instant.now());
        } catch (IOException e) {
            return new Result(w, false, false, null, e.getClass().getSimpleName() + ": " + e.getMessage(),
                    Instant.now());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(w, false, false, null, "interrupted", Instant.now());
        }
    }

    /** Why a URL must not be called, or null. Only http(s); no internal addresses unless allowed. */
    private String refusal(URI uri) {
        String scheme = uri.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || uri.getHost() == null) {
            return "callback URL must be http(s) with a host";
        }
        if (config.allowPrivateAddresses()) {
            return null;
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(uri.getHost())) {
                if (a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress()
                        || a.isAnyLocalAddress() || a.isMulticastAddress()
                        || (a instanceof java.net.Inet6Address && (a.getAddress()[0] & 0xfe) == 0xfc)) {
                    return "callback URL resolves to a private address (" + a.getHostAddress() + ")";
                }
            }
        } catch (UnknownHostException e) {
            return null; // may resolve later: retried like any network failure
        }
        return null;
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
        LOG.debug("webhook sender stopped");
    }
}
