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
 * One results-service instance running from the packaged jar (target/quarkus-app) in its own JVM, pointed at a test
 * namespace: what a restart or a second instance looks like in production, without the test framework around it.
 */
final class ResultsProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String instanceId;
    private final int port;
    private final Path dataDir;
    private final Path log;
    private final List<String> command;
    private Process process;

    ResultsProcess(TestStack stack, String instanceId, Path dataDir, Map<String, String> extraConfig)
            throws IOException {
        this.instanceId = instanceId;
        this.port = freePort();
        this.dataDir = dataDir;
        String jar = System.getProperty("vlmesh.results.jar", "target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("no packaged service at " + jar + " (run mvn package first)");
        }
        this.log = Path.of("target", "it-logs", stack.namespace() + "-" + instanceId + ".log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx384m", "-XX:+UseSerialGC"));
        stack.quarkusConfig().forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-Dquarkus.http.port=" + port);
        command.add("-Dvlmesh.results.instance-id=" + instanceId);
        command.add("-Dvlmesh.results.data-dir=" + dataDir.toAbsolutePath());
        extraConfig.forEach((k, v) -> command.add("-D" + k + "=" + v));
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
    ResultsProcess start(Duration timeout) throws Exception {
        return launch().awaitReady(timeout);
    }

    /** Starts the JVM without waiting (start several, then wait for each). */
    ResultsProcess launch() throws IOException {
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return this;
    }

    ResultsProcess awaitReady(Duration timeout) throws Exception {
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
