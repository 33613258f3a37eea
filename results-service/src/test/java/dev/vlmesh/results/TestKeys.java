package dev.vlmesh.results;

/** The API keys of the test profile (application.properties, %test): tenant demo and tenant other. */
public final class TestKeys {

    public static final String DEMO = "vlmesh-demo-key";
    public static final String OTHER = "other-tenant-key";
    public static final String SPEC = "demo:b6bb30f6e1fc457103afbedca2d9ca025adb5c50fadc503db70860a914b1351a,"
            + "other:27c05ce3f2f50102dce55afe0f1b96f1a354c6d2b80a6e54bbe4b3bc02b954de";

    private TestKeys() {
    }
}
