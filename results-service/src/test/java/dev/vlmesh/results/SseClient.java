package dev.vlmesh.results;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A small Server-Sent Events reader over java.net.http for tests: parses id/event/data lines as the SSE spec says,
 * and can be closed mid-stream to simulate a client that drops its connection.
 */
public final class SseClient implements AutoCloseable {

    public record Event(String id, String name, String data) {
    }

    private static final Event END = new Event(null, "<end>", null);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Event> events = new ArrayBlockingQueue<>(10_000);
    private final Thread reader;
    private volatile boolean ended;

    private SseClient(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = Thread.ofVirtual().start(this::read);
    }

    /** Opens {@code url}; {@code headers} are name/value pairs (e.g. X-API-Key, Last-Event-ID). */
    public static SseClient open(String url, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return new SseClient(HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    public int status() {
        return response.statusCode();
    }

    public String contentType() {
        return response.headers().firstValue("content-type").orElse("");
    }

    /** The next event, or null if none came within {@code timeout}; END-of-stream is reported by {@link #ended}. */
    public Event next(Duration timeout) throws InterruptedException {
        Event e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (e == END) {
            ended = true;
            return null;
        }
        return e;
    }

    /** Reads {@code n} events, failing the test if they do not arrive in time. */
    public List<Event> take(int n, Duration timeout) throws InterruptedException {
        List<Event> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out.size() < n) {
            long left = deadline - System.nanoTime();
            Event e = left <= 0 ? null : next(Duration.ofNanos(left));
            if (e == null) {
                throw new AssertionError("expected " + n + " events, got " + out.size() + (ended ? " (stream ended)"
                        : " within " + timeout) + ": " + out);
            }
            out.add(e);
        }
        return out;
    }

    /** Reads until the server closes the stream; fails if it stays open longer than {@code timeout}. */
    public List<Event> rest(Duration timeout) throws InterruptedException {
        List<Event> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("stream still open after " + timeout + "; got " + out);
            }
            Event e = next(Duration.ofNanos(left));
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    public boolean ended() {
        return ended;
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String name = null;
            StringBuilder data = null;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(id, name == null ? "message" : name, data.toString()));
                    }
                    id = null;
                    name = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    continue; // comment (keep-alive)
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) {
                        value = value.substring(1);
                    }
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> name = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> { }
                    }
                }
            }
        } catch (IOException e) {
            // closed by us or by the server
        } finally {
            events.add(END);
        }
    }

    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // already closed
        }
        reader.interrupt();
    }
}
