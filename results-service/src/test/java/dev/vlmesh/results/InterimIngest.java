package dev.vlmesh.results;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vlmesh.events.EventCodec;
import dev.vlmesh.events.GenerationOptions;
import dev.vlmesh.events.Ids;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.KafkaSettings;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.Task;
import dev.vlmesh.events.Topics;
import dev.vlmesh.events.tenant.ApiKeys;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Stands in for ingest-service's {@code POST /v1/jobs} in the console and CLI tests until the real ingest-service can
 * be started by them: real HTTP with CORS (what the console needs from ingest), the multipart form the console and
 * the CLI send, content sniffing that answers an RFC 7807 415 for a file that is not an image or a video, the media
 * stored content-addressed in the real S3 store, and a real {@link JobSubmitted} on the real broker before the 202.
 * It is deliberately small: validation, limits, idempotency and batches belong to ingest-service and its tests.
 */
public final class InterimIngest implements AutoCloseable {

    /** One accepted submission, for the test to play the worker. */
    public record Accepted(JobSubmitted job, String fileName, long size) {
    }

    private final HttpServer server;
    private final ApiKeys keys;
    private final Topics topics;
    private final StoreLayout layout;
    private final MinioClient s3;
    private final KafkaProducer<String, byte[]> producer;
    private final BlockingQueue<Accepted> accepted = new LinkedBlockingQueue<>();
    private final EventCodec codec = new EventCodec("/vlmesh/test-interim-ingest");
    private final String resultsBase;

    public InterimIngest(String apiKeysSpec, String bootstrap, Topics topics, StoreLayout layout, MinioClient s3,
                         String resultsBase) throws IOException {
        this.keys = ApiKeys.parse(apiKeysSpec);
        this.topics = topics;
        this.layout = layout;
        this.s3 = s3;
        this.resultsBase = resultsBase;
        this.producer = new KafkaProducer<>(KafkaSettings.producer(bootstrap, "interim-ingest"));
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/jobs", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next submission accepted, waiting up to {@code seconds}. */
    public Accepted nextAccepted(int seconds) throws InterruptedException {
        Accepted a = accepted.poll(seconds, TimeUnit.SECONDS);
        if (a == null) {
            throw new AssertionError("no submission reached ingest within " + seconds + " s");
        }
        return a;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String origin = ex.getRequestHeaders().getFirst("Origin");
            if (origin != null) {
                ex.getResponseHeaders().add("Access-Control-Allow-Origin", origin);
                ex.getResponseHeaders().add("Vary", "Origin");
            }
            if (ex.getRequestMethod().equals("OPTIONS")) {
                ex.getResponseHeaders().add("Access-Control-Allow-Methods", "POST, OPTIONS");
                ex.getResponseHeaders().add("Access-Control-Allow-Headers", "Authorization, X-API-Key, Content-Type, "
                        + "Accept, Idempotency-Key");
                ex.sendResponseHeaders(204, -1);
                return;
            }
            if (!ex.getRequestMethod().equals("POST")) {
                problem(ex, 405, "method-not-allowed", "Method not allowed", "POST a multipart form.");
                return;
            }
            String key = ex.getRequestHeaders().getFirst("X-API-Key");
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (key == null && auth != null && auth.startsWith("Bearer ")) {
                key = auth.substring(7).trim();
            }
            String tenant = keys.tenantFor(key).orElse(null);
            if (tenant == null) {
                problem(ex, 401, "unauthorized", "Unauthorized", "Send your API key.");
                return;
            }
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            if (type == null || !type.startsWith("multipart/form-data") || !type.contains("boundary=")) {
                problem(ex, 415, "unsupported-content-type", "Unsupported content type", "Send multipart/form-data.");
                return;
            }
            String boundary = type.substring(type.indexOf("boundary=") + 9).replace("\"", "");
            Map<String, Part> parts = Part.parse(ex.getRequestBody().readAllBytes(), boundary);
            Part file = parts.values().stream().filter(p -> p.fileName != null).findFirst().orElse(null);
            if (file == null) {
                problem(ex, 422, "media-missing", "Media missing", "Attach an image or a video file.");
                return;
            }
            String format = sniff(file.body);
            if (format == null) {
                problem(ex, 415, "unsupported-media", "Unsupported media",
                        "'" + file.fileName + "' is not an image or a video the service can read (looked at its "
                                + "content, not its name).");
                return;
            }
            accept(ex, tenant, parts, file, format);
        } catch (Exception e) {
            problem(ex, 500, "internal", "Internal error", String.valueOf(e));
        }
    }

    private void accept(HttpExchange ex, String tenant, Map<String, Part> parts, Part file, String format)
            throws Exception {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file.body));
        String key = StoreLayout.mediaKey(sha);
        s3.putObject(PutObjectArgs.builder().bucket(layout.mediaBucket()).object(key)
                .stream(new ByteArrayInputStream(file.body), file.body.length, -1).build());
        boolean video = format.equals("mp4") || format.equals("webm");
        MediaRef media = new MediaRef(video ? MediaRef.Kind.video : MediaRef.Kind.image, layout.mediaBucket(), key,
                sha, file.body.length, format, 0, 0, null, null);
        Task task = Task.fromWire(text(parts, "task", "describe"));
        String jobId = Ids.newJobId();
        JobSubmitted job = JobSubmitted.of(jobId, tenant, null, text(parts, "custom_id", null), task,
                text(parts, "prompt", null), List.of(media), GenerationOptions.defaults(), "internvl3-demo", null, 0,
                text(parts, "callback_url", null));
        producer.send(codec.record(topics.jobsSubmitted(), job)).get(15, TimeUnit.SECONDS);
        accepted.add(new Accepted(job, file.fileName, file.body.length));
        String self = resultsBase + "/v1/jobs/" + jobId;
        json(ex, 202, "{\"id\":\"" + jobId + "\",\"object\":\"job\",\"status\":\"queued\",\"task\":\""
                + task.wire() + "\",\"links\":{\"status\":\"" + self + "\",\"events\":\"" + self + "/events\"}}");
    }

    private static String text(Map<String, Part> parts, String name, String fallback) {
        Part p = parts.get(name);
        return p == null ? fallback : new String(p.body, StandardCharsets.UTF_8);
    }

    /** Image and video formats recognised by their first bytes. */
    static String sniff(byte[] b) {
        if (starts(b, 0, 0x89, 'P', 'N', 'G')) {
            return "png";
        }
        if (starts(b, 0, 0xFF, 0xD8, 0xFF)) {
            return "jpeg";
        }
        if (starts(b, 0, 'R', 'I', 'F', 'F') && starts(b, 8, 'W', 'E', 'B', 'P')) {
            return "webp";
        }
        if (starts(b, 0, 'G', 'I', 'F', '8')) {
            return "gif";
        }
        if (starts(b, 4, 'f', 't', 'y', 'p')) {
            return "mp4";
        }
        if (starts(b, 0, 0x1A, 0x45, 0xDF, 0xA3)) {
            return "webm";
        }
        return null;
    }

    private static boolean starts(byte[] b, int at, int... sig) {
        if (b.length < at + sig.length) {
            return false;
        }
        for (int i = 0; i < sig.length; i++) {
            if ((b[at + i] & 0xFF) != sig[i]) {
                return false;
            }
        }
        return true;
    }

    private static void problem(HttpExchange ex, int status, String kind, String title, String detail)
            throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/problem+json");
        byte[] body = ("{\"type\":\"https://vlmesh.dev/problems/" + kind + "\",\"title\":\"" + title
                + "\",\"status\":" + status + ",\"detail\":\"" + detail.replace("\"", "\\\"") + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    private static void json(HttpExchange ex, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    /** One part of a multipart/form-data body. */
    static final class Part {
        String name;
        String fileName;
        byte[] body;

        static Map<String, Part> parse(byte[] all, String boundary) {
            byte[] delim = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
            Map<String, Part> parts = new LinkedHashMap<>();
            int pos = indexOf(all, delim, 0);
            while (pos >= 0) {
                int start = pos + delim.length;
                if (start + 1 < all.length && all[start] == '-' && all[start + 1] == '-') {
                    break; // closing delimiter
                }
                start += 2; // CRLF
                int next = indexOf(all, delim, start);
                if (next < 0) {
                    break;
                }
                int headerEnd = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
                String headers = new String(all, start, headerEnd - start, StandardCharsets.UTF_8);
                Part p = new Part();
                for (String h : headers.split("\r\n")) {
                    if (h.toLowerCase().startsWith("content-disposition:")) {
                        p.name = param(h, "name");
                        p.fileName = param(h, "filename");
                    }
                }
                p.body = java.util.Arrays.copyOfRange(all, headerEnd + 4, next - 2); // minus CRLF before delimiter
                parts.put(p.name, p);
                pos = next;
            }
            return parts;
        }

        private static String param(String header, String name) {
            int i = header.indexOf("; " + name + "=\"");
            if (i < 0) {
                return null;
            }
            int from = i + name.length() + 4;
            return header.substring(from, header.indexOf('"', from));
        }

        private static int indexOf(byte[] hay, byte[] needle, int from) {
            outer:
            for (int i = from; i <= hay.length - needle.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (hay[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        producer.close();
    }
}
