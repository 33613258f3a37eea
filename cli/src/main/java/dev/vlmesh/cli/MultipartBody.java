package dev.vlmesh.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongConsumer;

/**
 * A multipart/form-data body: text fields, then one file streamed from disk (never loaded whole), with an exact
 * Content-Length and a callback as the file's bytes go out.
 */
final class MultipartBody {

    private final String boundary = "vlmesh-" + UUID.randomUUID();
    private final Map<String, String> fields = new LinkedHashMap<>();
    private final String fileField;
    private final Path file;
    private final String contentType;

    MultipartBody(String fileField, Path file, String contentType) {
        this.fileField = fileField;
        this.file = file;
        this.contentType = contentType;
    }

    MultipartBody field(String name, String value) {
        if (value != null) {
            fields.put(name, value);
        }
        return this;
    }

    String contentTypeHeader() {
        return "multipart/form-data; boundary=" + boundary;
    }

    HttpRequest.BodyPublisher publisher(LongConsumer progress) {
        byte[] head = head();
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long length = head.length + size + tail.length;
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                InputStream body = new Counting(Files.newInputStream(file), progress);
                return new SequenceInputStream(new SequenceInputStream(new ByteArrayInputStream(head), body),
                        new ByteArrayInputStream(tail));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }), length);
    }

    private byte[] head() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Map.Entry<String, String> f : fields.entrySet()) {
            write(b, "--" + boundary + "\r\n");
            write(b, "Content-Disposition: form-data; name=\"" + escape(f.getKey()) + "\"\r\n");
            write(b, "Content-Type: text/plain; charset=UTF-8\r\n\r\n");
            write(b, f.getValue() + "\r\n");
        }
        write(b, "--" + boundary + "\r\n");
        write(b, "Content-Disposition: form-data; name=\"" + escape(fileField) + "\"; filename=\""
                + escape(file.getFileName().toString()) + "\"\r\n");
        write(b, "Content-Type: " + contentType + "\r\n\r\n");
        return b.toByteArray();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", " ").replace("\n", " ");
    }

    private static void write(ByteArrayOutputStream b, String s) {
        b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Counts the file's bytes as the HTTP client reads them. */
    private static final class Counting extends FilterInputStream {
        private final LongConsumer progress;
        private long count;

        Counting(InputStream in, LongConsumer progress) {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) {
                progress.accept(++count);
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
                progress.accept(count);
            }
            return n;
        }
    }
}
