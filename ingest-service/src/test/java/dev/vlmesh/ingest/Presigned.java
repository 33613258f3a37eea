package dev.vlmesh.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What a client does with an upload ticket: PUT the bytes to the presigned URLs, straight to the store. */
public final class Presigned {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Presigned() {
    }

    public static void putSingle(JsonPath ticket, byte[] data) {
        int status = put(ticket.getString("url"), HttpRequest.BodyPublishers.ofByteArray(data)).statusCode();
        assertEquals(200, status);
    }

    /** PUTs every part from memory; returns [{part_number, etag}] as the complete call wants it. */
    public static List<Map<String, Object>> putParts(JsonPath ticket, byte[] data) {
        return putParts(ticket, data, Integer.MAX_VALUE);
    }

    /** PUTs the parts numbered up to {@code lastPart} only. */
    public static List<Map<String, Object>> putParts(JsonPath ticket, byte[] data, int lastPart) {
        List<Map<String, Object>> done = new ArrayList<>();
        long partSize = ticket.getLong("part_size_bytes");
        List<Map<String, Object>> parts = ticket.getList("parts");
        for (Map<String, Object> p : parts) {
            int n = ((Number) p.get("part_number")).intValue();
            if (n > lastPart) {
                continue;
            }
            int from = (int) ((n - 1) * partSize);
            int len = ((Number) p.get("size_bytes")).intValue();
            HttpResponse<String> r = put((String) p.get("url"), HttpRequest.BodyPublishers.ofByteArray(data, from,
                    len));
            assertEquals(200, r.statusCode(), r.body());
            done.add(Map.of("part_number", n, "etag", r.headers().firstValue("ETag").orElseThrow()));
        }
        return done;
    }

    /** PUTs every part streamed from a file (nothing held in memory); returns the parts for complete. */
    public static List<Map<String, Object>> putParts(JsonPath ticket, Path file) {
        List<Map<String, Object>> done = new ArrayList<>();
        long partSize = ticket.getLong("part_size_bytes");
        List<Map<String, Object>> parts = ticket.getList("parts");
        for (Map<String, Object> p : parts) {
            int n = ((Number) p.get("part_number")).intValue();
            long from = (n - 1) * partSize;
            long len = ((Number) p.get("size_bytes")).longValue();
            HttpResponse<String> r = put((String) p.get("url"), HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> slice(file, from, len)), len));
            assertEquals(200, r.statusCode(), r.body());
            done.add(Map.of("part_number", n, "etag", r.headers().firstValue("ETag").orElseThrow()));
        }
        return done;
    }

    private static InputStream slice(Path file, long from, long len) {
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            ch.position(from);
            InputStream in = Channels.newInputStream(ch);
            return new InputStream() {
                long left = len;

                @Override
                public int read() throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    left--;
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int n) throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int r = in.read(b, off, (int) Math.min(n, left));
                    if (r > 0) {
                        left -= r;
                    }
                    return r;
                }

                @Override
                public void close() throws IOException {
                    in.close();
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpResponse<String> put(String url, HttpRequest.BodyPublisher body) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).PUT(body).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
