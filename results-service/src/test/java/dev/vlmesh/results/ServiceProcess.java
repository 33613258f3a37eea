package dev.vlmesh.results;

import dev.vlmesh.testing.TestStack;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A service running from its packaged jar ({@code target/quarkus-app}) in its own JVM, pointed at a test namespace:
 * a results-service instance (restarts, several instances) or the real ingest-service for the client tests.
 */
final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String instanceId;
    private final int port;
    private final Path dataDir;
    private final Path log;
    private final List<String> command;
    private Process process;

    /** A results-service instance from this module's package. */
    static ServiceProcess results(TestStack stack, String instanceId, Path dataDir, Map<String, String> extraConfig)
            throws IOException {
        Map<String, String> config = new java.util.HashMap<>(stack.quarkusConfig());
        config.put("vlmesh.results.instance-id", instanceId);
        config.put("vlmesh.results.data-dir", dataDir.toAbsolutePath().toString());
        config.putAll(extraConfig);
        return new ServiceProcess(stack.namespace(), instanceId,
                System.getProperty("vlmesh.results.jar", "target/quarkus-app/quarkus-run.jar"), dataDir, config);
    }

    /** The real ingest-service from its module's package (built before this module in the reactor). */
    static ServiceProcess ingest(String namespace, Map<String, String> config) throws IOException {
        String jar = System.getProperty("vlmesh.ingest.jar",
                "../ingest-service/target/quarkus-app/quarkus-run.jar");
        return new ServiceProcess(namespace, "ingest", jar, null, config);
    }

    /** The real infer-service (model worker) from its module's package (built before this module). */
    static ServiceProcess infer(String namespace, Map<String, String> config) throws IOException {
        String jar = System.getProperty("vlmesh.infer.jar", "../infer-service/target/quarkus-app/quarkus-run.jar");
        return new ServiceProcess(namespace, "infer", jar, null, config);
    }

    private ServiceProcess(String namespace, String instanceId, String jar, Path dataDir, Map<String, String> config)
            throws IOException {
        this.instanceId = instanceId;
        this.port = freePort();
        this.dataDir = dataDir;
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("no packaged service at " + jar
                    + " (build it first: ./mvnw -pl results-service -am package -DskipTests)");
        }
        this.log = Path.of("target", "it-logs", namespace + "-" + instanceId + ".log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx384m", "-XX:+UseSerialGC"));
        config.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-Dquarkus.http.port=" + port);
        command.add("-jar");
        command.add(jar);
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    Path dataDir() {
        return dataDir;
    }

    /** Starts the JVM and waits until /q/health/ready says UP (job state restored and consuming). */
    ServiceProcess start(Duration timeout) throws Exception {
        return launch().awaitReady(timeout);
    }

    /** Starts the JVM without waiting (start several, then wait for each). */
    ServiceProcess launch() throws IOException {
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return this;
    }

    ServiceProcess awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("instance " + instanceId + " exited (" + process.exitValue()
                        + "); see " + log);
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return this;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200); // polling a starting server; there is no event to wait on
        }
        throw new IllegalStateException("instance " + instanceId + " not ready within " + timeout + "; see " + log);
    }

    /** Kills the JVM at once (SIGKILL): no shutdown hooks, no final commit, like a crash or an OOM kill. */
    void crash() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("instance " + instanceId + " did not die");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
