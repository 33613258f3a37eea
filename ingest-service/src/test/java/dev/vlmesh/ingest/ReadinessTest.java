package dev.vlmesh.ingest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.vlmesh.testing.LocalStackResource;
import dev.vlmesh.testing.ReadyProbe;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Health (broker, store, job ledger), the OpenAPI document and Swagger UI, and metrics, with the shipped config. */
@QuarkusTest
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
class ReadinessTest {

    @TestHTTPResource("/q/health/ready")
    URI readyUrl;

    @Test
    void readyWhenBrokerStoreAndLedgerAnswer() {
        ReadyProbe.await(readyUrl, Duration.ofSeconds(120));
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("object-store", "job-ledger", "Kafka connection health check"));
    }

    @Test
    void openApiDescribesEveryEndpoint() {
        given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body("paths.keySet()", hasItems("/v1/jobs", "/v1/batches", "/v1/uploads", "/v1/uploads/{id}",
                        "/v1/uploads/{id}/complete"))
                .body("paths.'/v1/jobs'.post.requestBody.content.keySet()", hasItems("multipart/form-data",
                        "application/json"))
                // the documented names are the ones on the wire: snake_case
                .body("components.schemas.JobAccepted.properties.keySet()", hasItems("custom_id", "created_at",
                        "model_version", "batch_id"))
                .body("components.schemas.MediaSummary.properties.keySet()", hasItems("size_bytes",
                        "duration_seconds", "frame_count"))
                .body("components.schemas.JobRequest.properties.keySet()", hasItems("custom_id", "callback_url"))
                .body("components.schemas.OptionsSpec.properties.keySet()", hasItems("max_new_tokens", "top_p"))
                .body("components.schemas.UploadTicket.properties.keySet()", hasItems("upload_id",
                        "part_size_bytes", "expires_at"));
        given().when().get("/q/swagger-ui/").then().statusCode(200).body(containsString("swagger"));
    }

    @Test
    void demoKeyWorksWithTheShippedConfiguration() {
        given().header("X-API-Key", "vlmesh-demo-key").contentType("application/json")
                .body("{\"task\":\"chat\",\"prompt\":\"hello\"}").when().post("/v1/jobs").then().statusCode(202);
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("vlmesh_ingest_jobs_accepted_total{source=\"json\"}"));
    }
}
