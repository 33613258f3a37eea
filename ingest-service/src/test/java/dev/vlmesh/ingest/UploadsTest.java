package dev.vlmesh.ingest;

import static dev.vlmesh.ingest.Api.demo;
import static dev.vlmesh.ingest.Api.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vlmesh.engine.media.Mp4Builder;
import dev.vlmesh.engine.media.TestImages;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.testing.LocalStackResource;
import dev.vlmesh.testing.TestStack;
import io.minio.StatObjectArgs;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Presigned uploads, single and multipart, and their verification when a job references them. */
@QuarkusTest
@TestProfile(IngestTestProfile.class)
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
class UploadsTest {

    TestStack stack;

    private static JsonPath create(String key, long size, String sha, String name) {
        Response r = Api.as(key).contentType("application/json")
                .body(Map.of("size_bytes", size, "sha256", sha, "filename", name)).when().post("/v1/uploads");
        assertEquals(201, r.statusCode(), r.asString());
        Api.snakeCaseOnly(r);
        return r.jsonPath();
    }

    private static Response job(String key, String uploadId) {
        return Api.as(key).contentType("application/json")
                .body(Map.of("task", "describe", "media", List.of(Map.of("upload_id", uploadId))))
                .when().post("/v1/jobs");
    }

    private boolean exists(String key) {
        try {
            stack.s3().statObject(StatObjectArgs.builder().bucket(stack.layout().mediaBucket()).object(key).build());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void singlePutThenJobVerifiesAndStoresByDigest() {
        byte[] jpeg = TestImages.jpeg(640, 480);
        String sha = Api.sha256(jpeg);
        JsonPath t = create(IngestTestProfile.DEMO_KEY, jpeg.length, sha, "cat.jpg");
        assertFalse(t.getBoolean("multipart"));
        assertEquals(jpeg.length, t.getInt("size_bytes"));
        assertEquals(String.valueOf(jpeg.length), t.getString("headers.'Content-Length'"));
        assertEquals("PUT", t.getString("method"));
        String id = t.getString("upload_id");
        assertTrue(t.getString("url").contains("X-Amz-Signature"), t.getString("url"));
        problem(job(IngestTestProfile.DEMO_KEY, id), 422, "upload-incomplete");
        Presigned.putSingle(t, jpeg);

        Response r = job(IngestTestProfile.DEMO_KEY, id);
        assertEquals(202, r.statusCode(), r.asString());
        JobSubmitted e = Api.awaitJob(stack, r.jsonPath().getString("id"));
        MediaRef m = e.media().get(0);
        assertEquals(sha, m.sha256());
        assertEquals(640, m.width());
        assertEquals(StoreLayout.mediaKey(sha), m.key());
        assertTrue(exists(m.key()));
        assertFalse(exists(StoreLayout.uploadKey("demo", id)), "the upload object is removed once stored");
        Response status = demo().when().get("/v1/uploads/" + id);
        assertEquals(200, status.statusCode(), status.asString());
        Api.snakeCaseOnly(status);
        assertEquals("verified", status.jsonPath().getString("state"));
        assertEquals(sha, status.jsonPath().getString("media_sha256"));
        // referencing it again needs no second verification, and the digest works too
        job(IngestTestProfile.DEMO_KEY, id).then().statusCode(202);
        demo().contentType("application/json").body(Map.of("task", "ocr", "media", List.of(Map.of("sha256", sha))))
                .when().post("/v1/jobs").then().statusCode(202);
    }

    @Test
    void multipartUploadWithExplicitCompletion() {
        byte[] mp4 = Mp4Builder.video().moovAtEnd().mdatPayload(12L << 20).constantSamples(300, 40_000)
                .duration(10_000, 1000).bytes();
        String sha = Api.sha256(mp4);
        JsonPath t = create(IngestTestProfile.DEMO_KEY, mp4.length, sha, "clip.mp4");
        assertTrue(t.getBoolean("multipart"));
        assertEquals(3, t.getList("parts").size());
        assertEquals("/v1/uploads/" + t.getString("upload_id") + "/complete", t.getString("complete_url"));
        String id = t.getString("upload_id");
        List<Map<String, Object>> parts = Presigned.putParts(t, mp4);
        demo().contentType("application/json").body(Map.of("parts", parts)).when()
                .post("/v1/uploads/" + id + "/complete").then().statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("uploaded"));
        Response r = job(IngestTestProfile.DEMO_KEY, id);
        assertEquals(202, r.statusCode(), r.asString());
        MediaRef m = Api.awaitJob(stack, r.jsonPath().getString("id")).media().get(0);
        assertEquals(MediaRef.Kind.video, m.kind());
        assertEquals(mp4.length, m.sizeBytes());
        assertEquals(10.0, m.durationSeconds());
        assertEquals(300L, m.frameCount());
    }

    @Test
    void camelCaseUploadRequestsAreStillAccepted() {
        byte[] mp4 = Mp4Builder.video().mdatPayload(9L << 20).constantSamples(100, 50_000).bytes();
        Response created = demo().contentType("application/json").body(Map.of("sizeBytes", mp4.length, "sha256",
                Api.sha256(mp4), "filename", "camel.mp4")).when().post("/v1/uploads");
        assertEquals(201, created.statusCode(), created.asString());
        JsonPath t = created.jsonPath();
        String id = t.getString("upload_id");
        List<Map<String, Object>> parts = Presigned.putParts(t, mp4).stream()
                .map(p -> Map.<String, Object>of("partNumber", p.get("part_number"), "etag", p.get("etag")))
                .toList();
        demo().contentType("application/json").body(Map.of("parts", parts)).when()
                .post("/v1/uploads/" + id + "/complete").then().statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("uploaded"));
        Response r = Api.as(IngestTestProfile.DEMO_KEY).contentType("application/json")
                .body(Map.of("task", "describe", "media", List.of(Map.of("uploadId", id)))).when().post("/v1/jobs");
        assertEquals(202, r.statusCode(), r.asString());
        assertEquals(mp4.length, Api.awaitJob(stack, r.jsonPath().getString("id")).media().get(0).sizeBytes());
    }

    @Test
    void multipartUploadCompletedByTheJobItself() {
        byte[] mp4 = Mp4Builder.video().mdatPayload(9L << 20).constantSamples(100, 50_000).bytes();
        JsonPath t = create(IngestTestProfile.DEMO_KEY, mp4.length, Api.sha256(mp4), "clip2.mp4");
        String id = t.getString("upload_id");
        Presigned.putParts(t, mp4, 1);
        Response missing = problem(job(IngestTestProfile.DEMO_KEY, id), 422, "upload-incomplete");
        assertTrue(missing.jsonPath().getString("detail").contains("parts"), missing.asString());
        Presigned.putParts(t, mp4);
        job(IngestTestProfile.DEMO_KEY, id).then().statusCode(202);
    }

    @Test
    void uploadThatDoesNotMatchItsDeclarationIsRefused() {
        byte[] png = TestImages.png(100, 100);
        JsonPath wrongDigest = create(IngestTestProfile.DEMO_KEY, png.length, "0".repeat(64), "a.png");
        Presigned.putSingle(wrongDigest, png);
        Response r = problem(job(IngestTestProfile.DEMO_KEY, wrongDigest.getString("upload_id")), 422,
                "upload-mismatch");
        assertTrue(r.jsonPath().getString("detail").contains(Api.sha256(png)), r.asString());

        JsonPath wrongSize = create(IngestTestProfile.DEMO_KEY, png.length + 10, Api.sha256(png), "b.png");
        Presigned.putSingle(wrongSize, png);
        problem(job(IngestTestProfile.DEMO_KEY, wrongSize.getString("upload_id")), 422, "upload-mismatch");
    }

    @Test
    void hostileUploadsAreRefusedLikeDirectOnes() {
        byte[] zip = TestImages.zip("x.jpg", new byte[5000]);
        JsonPath t = create(IngestTestProfile.DEMO_KEY, zip.length, Api.sha256(zip), "x.jpg");
        Presigned.putSingle(t, zip);
        Response r = problem(job(IngestTestProfile.DEMO_KEY, t.getString("upload_id")), 415, "unsupported-media-type");
        assertEquals("ZIP archive", r.jsonPath().getString("detected"));

        byte[] forged = Mp4Builder.video().mvhdVersion1().duration(1L << 40, 1000).bytes();
        JsonPath f = create(IngestTestProfile.DEMO_KEY, forged.length, Api.sha256(forged), "f.mp4");
        Presigned.putSingle(f, forged);
        problem(job(IngestTestProfile.DEMO_KEY, f.getString("upload_id")), 422, "media-limit-exceeded");
    }

    @Test
    void uploadsBelongToTheirTenant() {
        byte[] png = TestImages.png(20, 20);
        JsonPath t = create(IngestTestProfile.DEMO_KEY, png.length, Api.sha256(png), "mine.png");
        Presigned.putSingle(t, png);
        problem(job(IngestTestProfile.ACME_KEY, t.getString("upload_id")), 422, "media-not-found");
        problem(Api.as(IngestTestProfile.ACME_KEY).when().get("/v1/uploads/" + t.getString("upload_id")), 404,
                "upload-not-found");
        problem(job(IngestTestProfile.DEMO_KEY, "upl_doesnotexist"), 422, "media-not-found");
    }

    @Test
    void badUploadRequests() {
        Response r = problem(demo().contentType("application/json").body(Map.of("sha256", "a".repeat(64))).when()
                .post("/v1/uploads"), 422, "invalid-field");
        assertEquals("size_bytes", r.jsonPath().getString("field"));
        problem(demo().contentType("application/json").body(Map.of("size_bytes", 10, "sha256", "xyz")).when()
                .post("/v1/uploads"), 422, "invalid-field");
        problem(demo().contentType("application/json").body(Map.of("size_bytes", 100L << 30, "sha256",
                "a".repeat(64))).when().post("/v1/uploads"), 413, "media-too-large");
    }

    @Test
    void abortRemovesTheUpload() {
        byte[] mp4 = Mp4Builder.video().mdatPayload(9L << 20).constantSamples(100, 50_000).bytes();
        JsonPath t = create(IngestTestProfile.DEMO_KEY, mp4.length, Api.sha256(mp4), "gone.mp4");
        String id = t.getString("upload_id");
        demo().when().delete("/v1/uploads/" + id).then().statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("aborted"));
        problem(job(IngestTestProfile.DEMO_KEY, id), 422, "media-not-found");
    }
}
