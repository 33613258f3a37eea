package dev.vlmesh.infer.openai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MediaUrlResolverTest {

    private HttpServer allowed;
    private HttpServer other;
    private final byte[] image = "not really an image".getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void start() throws Exception {
        allowed = server();
        other = server();
    }

    private HttpServer server() throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/img", ex -> {
            ex.sendResponseHeaders(200, image.length);
            ex.getResponseBody().write(image);
            ex.close();
        });
        s.createContext("/redirect", ex -> {
            ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + other.getAddress().getPort() + "/img");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        s.start();
        return s;
    }

    @AfterEach
    void stop() {
        allowed.stop(0);
        other.stop(0);
    }

    private String url(HttpServer s, String path) {
        return "http://127.0.0.1:" + s.getAddress().getPort() + path;
    }

    @Test
    void fetchesFromAnAllowedOriginOnly() throws Exception {
        MediaUrlResolver r = new MediaUrlResolver(List.of(url(allowed, "")), 1024);
        assertArrayEquals(image, r.resolve(url(allowed, "/img")));
        ApiError e = assertThrows(ApiError.class, () -> r.resolve(url(other, "/img")));
        assertEquals("media_url_not_allowed", e.code());
        assertEquals(400, e.status());
        // a redirect from an allowed origin to another one is not followed
        ApiError redirect = assertThrows(ApiError.class, () -> r.resolve(url(allowed, "/redirect")));
        assertEquals(400, redirect.status());
        assertThrows(ApiError.class, () -> r.resolve("file:///etc/passwd"));
        assertThrows(ApiError.class, () -> r.resolve("http://user@127.0.0.1:" + allowed.getAddress().getPort()
                + "/img"));
    }

    @Test
    void decodesDataUrlsWithinTheLimit() throws Exception {
        MediaUrlResolver r = new MediaUrlResolver(List.of(), 64);
        String data = "data:image/png;base64," + Base64.getEncoder().encodeToString(image);
        assertArrayEquals(image, r.resolve(data));
        assertEquals(413, assertThrows(ApiError.class, () -> r.resolve("data:image/png;base64,"
                + Base64.getEncoder().encodeToString(new byte[200]))).status());
        assertEquals(400, assertThrows(ApiError.class, () -> r.resolve("data:image/png,raw")).status());
        assertEquals(400, assertThrows(ApiError.class, () -> r.resolve("data:image/png;base64,@@@")).status());
        assertEquals(413, assertThrows(ApiError.class, () ->
                new MediaUrlResolver(List.of(url(allowed, "")), 5).resolve(url(allowed, "/img"))).status());
    }
}
