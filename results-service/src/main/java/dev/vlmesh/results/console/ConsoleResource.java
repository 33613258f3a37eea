package dev.vlmesh.results.console;

import dev.vlmesh.events.quarkus.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * What the web console (static files under META-INF/resources) needs besides the API: where ingest is, and the
 * sample media. Public: neither holds anything secret.
 */
@jakarta.ws.rs.Path("/v1/console")
@Tag(name = "console")
public class ConsoleResource {

    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Map<String, String> TYPES = Map.of(
            "png", "image/png", "jpg", "image/jpeg", "jpeg", "image/jpeg", "webp", "image/webp",
            "gif", "image/gif", "bmp", "image/bmp", "mp4", "video/mp4", "webm", "video/webm",
            "mov", "video/quicktime");

    @Inject
    ConsoleConfig config;

    @GET
    @jakarta.ws.rs.Path("/config")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Console settings: ingest's base URL (submissions go there directly) and a pre-filled key")
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ingest_url", config.ingestUrl().replaceAll("/+$", ""));
        m.put("api_key", config.apiKey().orElse(""));
        return m;
    }

    @GET
    @jakarta.ws.rs.Path("/samples")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Sample media the console offers")
    public List<Map<String, Object>> samples() throws IOException {
        Path dir = samplesDir();
        List<Map<String, Object>> out = new ArrayList<>();
        if (dir == null) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                String type = type(name);
                if (type != null && Files.isRegularFile(f) && SAFE_NAME.matcher(name).matches()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", name);
                    m.put("kind", type.startsWith("video/") ? "video" : "image");
                    m.put("content_type", type);
                    m.put("size_bytes", Files.size(f));
                    m.put("url", "/v1/console/samples/" + name);
                    out.add(m);
                }
            }
        }
        return out;
    }

    @GET
    @jakarta.ws.rs.Path("/samples/{name}")
    @Operation(summary = "One sample file")
    public Response sample(@PathParam("name") String name) {
        Path dir = samplesDir();
        String type = type(name);
        if (dir == null || type == null || !SAFE_NAME.matcher(name).matches() || name.contains("..")
                || !Files.isRegularFile(dir.resolve(name))) {
            throw new Problem.ProblemException(Problem.of(404, "sample-not-found", "Sample not found",
                    "No sample named '" + name + "'."));
        }
        return Response.ok(dir.resolve(name).toFile(), type).header("Cache-Control", "max-age=300").build();
    }

    private static String type(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? null : TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The configured folder; a relative one is looked for from the working directory upwards. */
    private Path samplesDir() {
        Path configured = Path.of(config.samplesDir());
        if (configured.isAbsolute()) {
            return Files.isDirectory(configured) ? configured : null;
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve(configured);
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
