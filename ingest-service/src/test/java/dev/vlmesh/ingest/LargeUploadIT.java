package dev.vlmesh.ingest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.media.Mp4Builder;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.testing.LocalStackResource;
import dev.vlmesh.testing.TestStack;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * A 1 GiB video through the presigned multipart path, against the packaged service running in its own JVM with
 * {@code -Xmx256m} (failsafe sets {@code quarkus.test.arg-line}). The file is a valid MP4 (moov after a 1 GiB mdat,
 * so the probe must seek to the end by range reads) generated here and deleted afterwards. Ingest must probe it,
 * digest it in one streaming pass and store it by digest without ever holding it in memory.
 */
@QuarkusIntegrationTest
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
class LargeUploadIT {
    private static final Logger LOG = Logger.getLogger(LargeUploadIT.class);
    private static final long PAYLOAD = 1L << 30;
    private static final long HEAP_CAP = 256L << 20;

    TestStack stack;

    @Test
    void oneGigabyteVideoThroughPresignedMultipartWithHeapCappedAt256MB() throws Exception {
        Path file = Files.createTempFile("vlmesh-1g-", ".mp4");
        try {
            long t0 = System.nanoTime();
            String sha = Mp4Builder.video().moovAtEnd().size(1920, 1080).duration(600_000, 1000)
                    .constantSamples(15_000, PAYLOAD / 15_000).mdatPayload(PAYLOAD).writeTo(file);
            long size = Files.size(file);
            LOG.infof("generated %d bytes in %.1f s", size, seconds(t0));

            Response created = given().header("X-API-Key", "vlmesh-demo-key").contentType("application/json")
                    .body(Map.of("size_bytes", size, "sha256", sha, "filename", "big.mp4")).when().post("/v1/uploads");
            assertEquals(201, created.statusCode(), created.asString());
            JsonPath ticket = created.jsonPath();
            assertTrue(ticket.getBoolean("multipart"));
            String uploadId = ticket.getString("upload_id");

            long t1 = System.nanoTime();
            List<Map<String, Object>> parts = Presigned.putParts(ticket, file);
            LOG.infof("uploaded %d parts to the store in %.1f s", parts.size(), seconds(t1));
            given().header("X-API-Key", "vlmesh-demo-key").contentType("application/json")
                    .body(Map.of("parts", parts)).when().post("/v1/uploads/" + uploadId + "/complete")
                    .then().statusCode(200);

            long t2 = System.nanoTime();
            Response job = given().header("X-API-Key", "vlmesh-demo-key").contentType("application/json")
                    .body(Map.of("task", "describe", "media", List.of(Map.of("upload_id", uploadId)),
                            "options", Map.of("num_frames", 16)))
                    .when().post("/v1/jobs");
            assertEquals(202, job.statusCode(), job.asString());
            LOG.infof("verified (probe, digest, store) and accepted in %.1f s", seconds(t2));

            JobSubmitted e = Api.awaitJob(stack, job.jsonPath().getString("id"));
            MediaRef m = e.media().get(0);
            assertEquals(sha, m.sha256());
            assertEquals(size, m.sizeBytes());
            assertEquals(600.0, m.durationSeconds());
            assertEquals(15_000L, m.frameCount());
            assertEquals(1920, m.width());
            assertEquals("mp4", m.format());

            // the service really ran with the capped heap
            long heapMax = 0;
            for (String line : given().when().get("/q/metrics").asString().lines().toList()) {
                if (line.startsWith("jvm_memory_max_bytes{area=\"heap\"")) {
                    double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    heapMax += v > 0 ? (long) v : 0;
                }
            }
            assertTrue(heapMax > 0 && heapMax <= HEAP_CAP, "service heap max " + heapMax);
            LOG.infof("service heap max %d MiB", heapMax >> 20);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
