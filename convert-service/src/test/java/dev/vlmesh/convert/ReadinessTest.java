package dev.vlmesh.convert;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.vlmesh.testing.LocalStackResource;
import dev.vlmesh.testing.ReadyProbe;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)
class ReadinessTest {

    @TestHTTPResource("/q/health/ready")
    URI readyUrl;

    @Test
    void readyWhenBrokerAndStoreAnswer() {
        ReadyProbe.await(readyUrl, Duration.ofSeconds(120));
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("object-store"));
    }
}
