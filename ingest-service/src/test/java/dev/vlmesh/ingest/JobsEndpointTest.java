package dev.vlmesh.ingest;

import static dev.vlmesh.ingest.Api.demo;
import static dev.vlmesh.ingest.Api.problem;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.media.Mp4Builder;
import dev.vlmesh.engine.media.TestImages;
import dev.vlmesh.engine.media.WebmBuilder;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.Task;
import dev.vlmesh.testing.LocalStackResource;
import dev.vlmesh.testing.TestStack;
import io.minio.StatObjectArgs;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** POST /v1/jobs against the real broker and store: accepted jobs, stored media, and every refusal. */
@QuarkusTest
@TestProfile(IngestTestProfile.class)
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
class JobsEndpointTest {

    TestStack stack;

    @Test
    void multipartImageBecomesAJobWithStoredMedia() throws Exception {
        byte[] png = TestImages.png(320, 240);
        String sha = Api.sha256(png);
        Response r = demo().multiPart("file", "photo.png", png, "application/octet-stream")
                .multiPart("task", "describe").multiPart("custom_id", "my-ref-1").multiPart("priority", "3")
                .multiPart("max_new_tokens", "128").multiPart("seed", "42")
                .when().post("/v1/jobs");
        assertEquals(202, r.statusCode(), r.asString());
        Api.snakeCaseOnly(r);
        String id = r.jsonPath().getString("id");
        assertTrue(id.startsWith("job_"));
        assertEquals("http://results.test:8080/v1/jobs/" + id, r.header("Location"));
        assertEquals("http://results.test:8080/v1/jobs/" + id + "/events", r.jsonPath().getString("links.events"));
        assertEquals(sha, r.jsonPath().getString("media[0].sha256"));
        assertEquals(png.length, r.jsonPath().getInt("media[0].size_bytes"));
        assertEquals("my-ref-1", r.jsonPath().getString("custom_id"));
        assertTrue(r.jsonPath().getString("created_at").endsWith("Z"), r.asString());

        JobSubmitted e = Api.awaitJob(stack, id);
        assertEquals("demo", e.tenantId());
        assertEquals(Task.DESCRIBE, e.task());
        assertEquals("Please describe the image in detail.", e.prompt());
        assertEquals("my-ref-1", e.customId());
        assertEquals(3, e.priority());
        assertEquals(128, e.options().maxNewTokens());
        assertEquals(42L, e.options().seed());
        assertEquals("demo-internvl3", e.model());
        MediaRef m = e.media().get(0);
        assertEquals(MediaRef.Kind.image, m.kind());
        assertEquals("png", m.format());
        assertEquals(320, m.width());
        assertEquals(240, m.height());
        assertEquals(StoreLayout.mediaKey(sha), m.key());
        assertEquals(stack.layout().mediaBucket(), m.bucket());
        long stored = stack.s3().statObject(StatObjectArgs.builder().bucket(m.bucket()).object(m.key()).build())
                .size();
        assertEquals(png.length, stored);
    }

    @Test
    void sameMediaIsStoredOnceAndCanBeReferencedByDigest() throws Exception {
        byte[] jpeg = TestImages.jpeg(200, 100);
        String sha = Api.sha256(jpeg);
        for (int i = 0; i < 2; i++) {
            demo().multiPart("image", "a" + i + ".jpg", jpeg).multiPart("task", "ocr").when().post("/v1/jobs")
                    .then().statusCode(202);
        }
        var objects = stack.s3().listObjects(io.minio.ListObjectsArgs.builder().bucket(stack.layout().mediaBucket())
                .prefix("media/sha256/" + sha.substring(0, 2) + "/").recursive(true).build());
        int count = 0;
        for (var o : objects) {
            count += o.get().objectName().endsWith(sha) ? 1 : 0;
        }
        assertEquals(1, count);

        Response r = demo().contentType("application/json")
                .body(Map.of("task", "chat", "prompt", "What does it say?", "media", List.of(Map.of("sha256", sha))))
                .when().post("/v1/jobs");
        assertEquals(202, r.statusCode(), r.asString());
        JobSubmitted e = Api.awaitJob(stack, r.jsonPath().getString("id"));
        assertEquals("What does it say?", e.prompt());
        assertEquals(200, e.media().get(0).width());
    }

    @Test
    void anotherTenantCannotReferenceMyMedia() {
        byte[] gif = TestImages.gif(40, 30);
        demo().multiPart("file", "x.gif", gif).multiPart("task", "describe").when().post("/v1/jobs").then()
                .statusCode(202);
        problem(Api.as(IngestTestProfile.ACME_KEY).contentType("application/json")
                .body(Map.of("task", "describe", "media", List.of(Map.of("sha256", Api.sha256(gif)))))
                .when().post("/v1/jobs"), 422, "media-not-found");
    }

    @Test
    void severalMediaKeepTheirOrderAndVideosGetTheirHeader() {
        byte[] bmp = TestImages.bmp(64, 48);
        byte[] mp4 = Mp4Builder.video().size(1280, 720).duration(90_000, 1000).samples(2250).moovAtEnd().bytes();
        byte[] webm = WebmBuilder.video().size(640, 360).durationMs(5000.0).bytes();
        byte[] webp = TestImages.webp(100, 80);
        Response r = demo().multiPart("file", "a.bmp", bmp).multiPart("file", "b.mp4", mp4)
                .multiPart("file", "c.webm", webm).multiPart("file", "d.webp", webp)
                .multiPart("task", "describe").multiPart("language", "zh")
                .multiPart("options", "{\"num_frames\": 8, \"temperature\": 0.7, \"top_p\": 0.9}")
                .when().post("/v1/jobs");
        assertEquals(202, r.statusCode(), r.asString());
        Api.snakeCaseOnly(r);
        assertEquals(90.0f, r.jsonPath().getFloat("media[1].duration_seconds"));
        assertEquals(2250, r.jsonPath().getInt("media[1].frame_count"));
        JobSubmitted e = Api.awaitJob(stack, r.jsonPath().getString("id"));
        assertEquals(List.of("bmp", "mp4", "webm", "webp"), e.media().stream().map(MediaRef::format).toList());
        MediaRef video = e.media().get(1);
        assertEquals(MediaRef.Kind.video, video.kind());
        assertEquals(90.0, video.durationSeconds());
        assertEquals(2250L, video.frameCount());
        assertEquals(1280, video.width());
        assertEquals(5.0, e.media().get(2).durationSeconds());
        assertEquals("请详细描述这个视频。", e.prompt());
        assertEquals(8, e.options().numFrames());
        assertEquals(0.9, e.options().topP());
    }

    @Test
    void wholeRequestAsJsonFieldAndAcceptLanguage() {
        Response r = demo().header("Accept-Language", "zh-CN,zh;q=0.9")
                .multiPart("file", "p.png", TestImages.png(50, 50))
                .multiPart("request", "{\"task\":\"ocr\",\"custom_id\":\"abc\",\"options\":{\"max_tiles\":6}}")
                .when().post("/v1/jobs");
        assertEquals(202, r.statusCode(), r.asString());
        JobSubmitted e = Api.awaitJob(stack, r.jsonPath().getString("id"));
        assertEquals(Task.OCR, e.task());
        assertEquals("abc", e.customId());
        assertEquals(6, e.options().maxTiles());
        assertTrue(e.prompt().startsWith("请识别图片中的所有文字"), e.prompt());
    }

    @Test
    void chatWithoutMedia() {
        Response r = demo().contentType("application/json").body(Map.of("task", "chat", "prompt", "Hello",
                "model", "internvl3-2b", "model_version", "v7")).when().post("/v1/jobs");
        assertEquals(202, r.statusCode(), r.asString());
        assertEquals("v7", Api.snakeCaseOnly(r).get("model_version").asText());
        JobSubmitted e = Api.awaitJob(stack, r.jsonPath().getString("id"));
        assertEquals("internvl3-2b", e.model());
        assertEquals("v7", e.modelVersion());
        assertTrue(e.media().isEmpty());
        assertNull(e.callbackUrl());
    }

    @Test
    void camelCaseNamesAreStillAccepted() {
        // the names the first clients were written with: JSON fields and options, form fields, a 'request' field
        Response r = demo().contentType("application/json").body(Map.of("task", "chat", "prompt", "Hi",
                "modelVersion", "v3", "customId", "camel-json", "options", Map.of("maxNewTokens", 16,
                        "maxTiles", 2, "numFrames", 3, "topP", 0.5, "topK", 7))).when().post("/v1/jobs");
        assertEquals(202, r.statusCode(), r.asString());
        assertEquals("camel-json", Api.snakeCaseOnly(r).get("custom_id").asText());
        JobSubmitted e = Api.awaitJob(stack, r.jsonPath().getString("id"));
        assertEquals("v3", e.modelVersion());
        assertEquals("camel-json", e.customId());
        assertEquals(16, e.options().maxNewTokens());
        assertEquals(2, e.options().maxTiles());
        assertEquals(3, e.options().numFrames());
        assertEquals(0.5, e.options().topP());
        assertEquals(7, e.options().topK());

        r = demo().multiPart("file", "c.png", TestImages.png(30, 20)).multiPart("task", "describe")
                .multiPart("customId", "camel-form").multiPart("maxNewTokens", "24")
                .multiPart("request", "{\"modelVersion\":\"v4\",\"options\":{\"maxTiles\":5}}")
                .when().post("/v1/jobs");
        assertEquals(202, r.statusCode(), r.asString());
        Api.snakeCaseOnly(r);
        e = Api.awaitJob(stack, r.jsonPath().getString("id"));
        assertEquals("camel-form", e.customId());
        assertEquals("v4", e.modelVersion());
        assertEquals(24, e.options().maxNewTokens());
        assertEquals(5, e.options().maxTiles());
    }

    // ---- refusals: fields ----

    @Test
    void missingOrWrongFieldsAreNamed() {
        problem(demo().contentType("application/json").body(Map.of("prompt", "x")).when().post("/v1/jobs"), 422,
                "invalid-field");
        Response r = problem(demo().contentType("application/json").body(Map.of("task", "summarise"))
                .when().post("/v1/jobs"), 422, "invalid-field");
        assertTrue(r.jsonPath().getString("detail").contains("describe, ocr or chat"));
        problem(demo().contentType("application/json").body(Map.of("task", "chat")).when().post("/v1/jobs"), 422,
                "invalid-field");
        problem(demo().contentType("application/json").body(Map.of("task", "describe")).when().post("/v1/jobs"),
                422, "invalid-field");
        r = problem(demo().contentType("application/json").body(Map.of("task", "chat", "prompt", "x",
                "options", Map.of("temperature", 5))).when().post("/v1/jobs"), 422, "invalid-field");
        assertEquals("options.temperature", r.jsonPath().getString("field"));
        r = problem(demo().contentType("application/json").body(Map.of("task", "chat", "prompt", "x",
                "options", Map.of("max_new_token", 5))).when().post("/v1/jobs"), 422, "invalid-field");
        assertTrue(r.jsonPath().getString("detail").contains("unknown field 'options.max_new_token'"));
        assertTrue(r.jsonPath().getString("detail").contains("max_new_tokens"), "the known names: " + r.asString());
        r = problem(demo().contentType("application/json").body(Map.of("task", "chat", "prompt", "x",
                "priority", "high")).when().post("/v1/jobs"), 422, "invalid-field");
        assertTrue(r.jsonPath().getString("detail").contains("expected an integer"), r.asString());
        r = problem(demo().contentType("application/json").body(Map.of("task", "chat", "prompt", "x",
                "callback_url", "http://127.0.0.1:8080/hook")).when().post("/v1/jobs"), 422, "invalid-field");
        assertEquals("callback_url", r.jsonPath().getString("field"));
        // a field is named as documented (snake_case) whichever spelling the request used
        r = problem(demo().contentType("application/json").body(Map.of("task", "chat", "prompt", "x",
                "options", Map.of("maxNewTokens", 0))).when().post("/v1/jobs"), 422, "invalid-field");
        assertEquals("options.max_new_tokens", r.jsonPath().getString("field"));
        r = problem(demo().contentType("application/json").body(Map.of("task", "chat", "prompt", "x",
                "options", Map.of("top_k", "many"))).when().post("/v1/jobs"), 422, "invalid-field");
        assertEquals("options.top_k", r.jsonPath().getString("field"));
        problem(demo().contentType("application/json").body(Map.of("task", "describe",
                "media", List.of(Map.of("sha256", "abc")))).when().post("/v1/jobs"), 422, "invalid-field");
        problem(demo().contentType("application/json").body(Map.of("task", "chat", "prompt", "x",
                "options", Map.of("segment_seconds", 10))).when().post("/v1/jobs"), 422, "invalid-field");
        problem(demo().contentType("application/json").body(Map.of("task", "chat", "prompt", "x".repeat(8001)))
                .when().post("/v1/jobs"), 422, "invalid-field");
    }

    @Test
    void malformedBodiesAndWrongContentTypes() {
        problem(demo().contentType("application/json").body("{\"task\": \"chat\",").when().post("/v1/jobs"), 400,
                "invalid-request");
        problem(demo().contentType("application/json").body("[1,2]").when().post("/v1/jobs"), 400,
                "invalid-request");
        problem(demo().contentType("application/json").body("").when().post("/v1/jobs"), 400, "invalid-request");
        problem(demo().contentType("text/csv").body("a,b").when().post("/v1/jobs"), 415,
                "unsupported-content-type");
        Response r = problem(demo().multiPart("file", "p.png", TestImages.png(8, 8)).multiPart("colour", "red")
                .multiPart("task", "describe").when().post("/v1/jobs"), 422, "invalid-field");
        assertTrue(r.jsonPath().getString("detail").contains("custom_id"), r.asString());
        problem(demo().when().get("/v1/nothing-here"), 404, "not-found");
        problem(demo().when().delete("/v1/jobs"), 405, "method-not-allowed");
    }

    @Test
    void authenticationIsRequired() {
        problem(given().contentType("application/json").body(Map.of("task", "chat", "prompt", "x"))
                .when().post("/v1/jobs"), 401, "unauthorized");
        problem(Api.as("wrong-key").contentType("application/json").body(Map.of("task", "chat", "prompt", "x"))
                .when().post("/v1/jobs"), 401, "unauthorized");
    }

    // ---- refusals: hostile and broken media ----

    @Test
    void zipRenamedToJpgIs415() {
        byte[] zip = TestImages.zip("photo.jpg", TestImages.jpeg(16, 16));
        Response r = problem(demo().multiPart("file", "holiday.jpg", zip, "image/jpeg").multiPart("task", "describe")
                .when().post("/v1/jobs"), 415, "unsupported-media-type");
        assertEquals("ZIP archive", r.jsonPath().getString("detected"));
        assertTrue(r.jsonPath().getString("detail").contains("'holiday.jpg'"));
    }

    @Test
    void decompressionBombPngIs422() {
        Response r = problem(demo().multiPart("file", "bomb.png", TestImages.pngHeaderOnly(100_000, 100_000))
                .multiPart("task", "describe").when().post("/v1/jobs"), 422, "media-limit-exceeded");
        assertEquals("pixels", r.jsonPath().getString("limit"));
        assertTrue(r.jsonPath().getString("detail").contains("100000x100000"));
    }

    @Test
    void truncatedImagesAre422() {
        for (String f : new String[] {"png", "jpeg", "gif", "bmp"}) {
            byte[] full = TestImages.encode(f, 300, 200);
            Response r = problem(demo().multiPart("file", "cut." + f, TestImages.truncate(full, full.length / 2))
                    .multiPart("task", "describe").when().post("/v1/jobs"), 422, "invalid-media");
            assertTrue(r.jsonPath().getString("detail").contains("truncated"), r.asString());
        }
    }

    @Test
    void mp4WithForgedDurationIs422() {
        byte[] forged = Mp4Builder.video().mvhdVersion1().duration(4_000_000_000L, 1).bytes();
        Response r = problem(demo().multiPart("file", "movie.mp4", forged).multiPart("task", "describe")
                .when().post("/v1/jobs"), 422, "media-limit-exceeded");
        assertEquals("duration", r.jsonPath().getString("limit"));
    }

    @Test
    void videoHeadersOverAFrameLimitOrWithAnUndecodableCodecAreRefusedBeforeUpload() {
        Response big = problem(demo().multiPart("file", "huge.mp4", Mp4Builder.video().size(10_000, 10_000).bytes())
                .multiPart("task", "describe").when().post("/v1/jobs"), 422, "media-limit-exceeded");
        assertEquals("pixels", big.jsonPath().getString("limit"));
        Response many = problem(demo().multiPart("file", "long.mp4", Mp4Builder.video().samples(600_000).bytes())
                .multiPart("task", "describe").when().post("/v1/jobs"), 422, "media-limit-exceeded");
        assertEquals("frames", many.jsonPath().getString("limit"));
        Response codec = problem(demo().multiPart("file", "old.mp4", Mp4Builder.video().sampleEntry("mp4v").bytes())
                .multiPart("task", "describe").when().post("/v1/jobs"), 415, "unsupported-media-type");
        assertTrue(codec.jsonPath().getString("detail").contains("mpeg4")
                && codec.jsonPath().getString("detail").contains("h264"), codec.asString());
    }

    @Test
    void brokenVideosAre422() {
        problem(demo().multiPart("file", "cut.mp4", Mp4Builder.video().moovAtEnd().mdatClaimsExtra(1 << 20).bytes())
                .multiPart("task", "describe").when().post("/v1/jobs"), 422, "invalid-media");
        problem(demo().multiPart("file", "forged.mp4", Mp4Builder.video().forgedSampleTable(1_000_000, 3).bytes())
                .multiPart("task", "describe").when().post("/v1/jobs"), 422, "invalid-media");
        problem(demo().multiPart("file", "cut.webm", WebmBuilder.video().segmentClaimsExtra(10_000).bytes())
                .multiPart("task", "describe").when().post("/v1/jobs"), 422, "invalid-media");
        problem(demo().multiPart("file", "song.mp4", Mp4Builder.video().handler("soun").bytes())
                .multiPart("task", "describe").when().post("/v1/jobs"), 415, "unsupported-media-type");
    }

    @Test
    void oversizedImageIs413AndOversizedRequestIs413() {
        byte[] bmp = TestImages.bmp(1000, 800); // 2.4 MB, over the test limit of 2 MiB
        Response r = problem(demo().multiPart("file", "big.bmp", bmp).multiPart("task", "describe")
                .when().post("/v1/jobs"), 413, "media-too-large");
        assertEquals("file-size", r.jsonPath().getString("limit"));
    }

    @Test
    void requestOverTheBodyLimitIsRefusedBeforeItsBodyIsSent() throws Exception {
        // 25 MB against a 24 MB limit, declared up front; with Expect: 100-continue (as curl sends it) the body
        // never leaves the client
        long declared = 25L << 20;
        HttpRequest req = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/v1/jobs"))
                .header("Authorization", "Bearer " + IngestTestProfile.DEMO_KEY)
                .header("Content-Type", "multipart/form-data; boundary=xyz")
                .expectContinue(true)
                .version(HttpClient.Version.HTTP_1_1)
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(new byte[0])), declared))
                .build();
        HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(r.body().contains("https://vlmesh.dev/problems/request-too-large"), r.body());
        assertTrue(r.body().contains("POST /v1/uploads"), r.body());
    }

    @Test
    void emptyAndUnknownFiles() {
        problem(demo().multiPart("file", "empty.png", new byte[0]).multiPart("task", "describe")
                .when().post("/v1/jobs"), 422, "invalid-media");
        Response r = problem(demo().multiPart("file", "doc.pdf", "%PDF-1.4 hello".getBytes())
                .multiPart("task", "describe").when().post("/v1/jobs"), 415, "unsupported-media-type");
        assertEquals("PDF document", r.jsonPath().getString("detected"));
    }

    @Test
    void refusedRequestsLeaveNoJobAndAreCounted() {
        problem(demo().multiPart("file", "z.jpg", TestImages.zip("a", new byte[10])).multiPart("task", "describe")
                .multiPart("custom_id", "never").when().post("/v1/jobs"), 415, "unsupported-media-type");
        assertTrue(Api.allJobs(stack).stream().noneMatch(j -> "never".equals(j.customId())));
        String metrics = given().when().get("/q/metrics").asString();
        assertTrue(metrics.contains("vlmesh_ingest_rejections_total{reason=\"unsupported-media-type\",status=\"415\"}"),
                metrics.lines().filter(l -> l.startsWith("vlmesh_")).toList().toString());
        assertTrue(metrics.contains("vlmesh_ingest_request_latency_seconds_count{endpoint=\"POST /v1/jobs\""));
    }
}
