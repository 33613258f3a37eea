package dev.vlmesh.results;

import static io.restassured.RestAssured.given;

import java.time.Duration;

/** Waits until the app under test reports ready: its job state restored and consuming. */
public final class Ready {

    private Ready() {
    }

    public static void await() {
        Eventually.until(Duration.ofSeconds(120), "results-service ready",
                () -> given().get("/q/health/ready").statusCode() == 200);
    }
}
