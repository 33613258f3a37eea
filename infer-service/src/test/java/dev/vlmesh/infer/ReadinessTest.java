package dev.vlmesh.infer;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.vlmesh.testing.LocalStackResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
class ReadinessTest {

    @Test
    void readyWhenBrokerAndStoreAnswer() {
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("object-store"))
                .body("checks.find { it.name == 'model' }.data.version", equalTo("local"))
                .body("checks.find { it.name == 'model' }.data.backend", equalTo("embedded"));
    }

    @Test
    void exposesWorkerMetrics() {
        given().when().get("/q/metrics").then()
                .statusCode(200)
                .body(containsString("vlmesh_infer_queue_lag_records"))
                .body(containsString("vlmesh_infer_jobs_running"))
                .body(containsString("vlmesh_infer_time_to_first_token_seconds"))
                .body(containsString("vlmesh_infer_decode_seconds"));
    }
}
