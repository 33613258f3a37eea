package dev.vlmesh.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;

/** HTTP calls with the API key, turning failures into {@link CliException}s with the service's problem detail. */
public final class Api {

    private final HttpClient http;
    private final Settings settings;

    public Api(Settings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    public HttpClient client() {
        return http;
    }

    public Settings settings() {
        return settings;
    }

    public HttpRequest.Builder request(String url) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("User-Agent", "vlmesh-cli/1");
        if (settings.apiKey() != null && !settings.apiKey().isBlank()) {
            b.header("X-API-Key", settings.apiKey());
        }
        return b;
    }

    /** Sends and returns the body of a 2xx answer; anything else becomes a CliException. */
    public String send(HttpRequest request) {
        HttpResponse<String> r = exchange(request);
        return r.body();
    }

    public HttpResponse<String> exchange(HttpRequest request) {
        HttpResponse<String> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw unreachable(request.uri());
        } catch (HttpTimeoutException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, request.uri().getHost() + ":" + request.uri().getPort()
                    + " did not answer in time");
        } catch (IOException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, "request to " + request.uri() + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.UNAVAILABLE, "interrupted");
        }
        if (r.statusCode() >= 200 && r.statusCode() < 300) {
            return r;
        }
        throw failure(r.statusCode(), r.body(), request.uri());
    }

    public static CliException unreachable(URI uri) {
        return new CliException(ExitCodes.UNAVAILABLE, "cannot reach " + uri.getScheme() + "://" + uri.getHost()
                + ":" + uri.getPort() + " (is the service running? see --help for the URL options)");
    }

    /** A non-2xx answer as an exit code and a one-line message built from its RFC 7807 problem, if any. */
    public static CliException failure(int status, String body, URI uri) {
        Map<String, Object> p = Json.object(body == null ? "" : body);
        String title = Json.str(p, "title");
        String detail = Json.str(p, "detail");
        String what = title != null ? title + (detail != null ? ": " + detail : "")
                : "HTTP " + status + (body == null || body.isBlank() ? "" : ": " + first(body, 300));
        return new CliException(status >= 500 || status == 429 ? ExitCodes.UNAVAILABLE : ExitCodes.REFUSED,
                what + " (" + status + " from " + uri.getPath() + ")");
    }

    private static String first(String s, int n) {
        String one = s.strip().replaceAll("\\s+", " ");
        return one.length() <= n ? one : one.substring(0, n) + "…";
    }
}
