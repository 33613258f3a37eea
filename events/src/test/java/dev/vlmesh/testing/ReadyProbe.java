package dev.vlmesh.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Waits for a service's readiness endpoint to answer 200. A service turns ready only after its consumers have
 * joined and rebuilt their state from the topics, which on a loaded machine takes seconds after the HTTP port opens,
 * so a readiness assertion made at once races that start.
 */
public final class ReadyProbe {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ReadyProbe() {
    }

    /** Polls {@code url} until it answers 200; fails with the last answer once {@code timeout} has passed. */
    public static void await(URI url, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (true) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (java.io.IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + url, e);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(url + " not ready after " + timeout + ": " + last);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + url, e);
            }
        }
    }
}
