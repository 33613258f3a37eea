package dev.vlmesh.testing;

import dev.vlmesh.events.stack.StackSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The local stack (Kafka + S3 store) the tests run against. Started with {@code deploy/local/up} when it does not
 * answer yet; never stopped by tests (CI's {@code .ci/run} brings it down).
 */
public final class LocalStack {

    private static volatile boolean checked;

    private LocalStack() {
    }

    public static StackSettings settings() {
        return StackSettings.fromEnvironment();
    }

    /** Makes sure both servers answer, running deploy/local/up once per JVM if needed. */
    public static synchronized StackSettings ensureRunning() {
        StackSettings s = settings();
        if (checked) {
            return s;
        }
        if (!answers(s)) {
            Path up = repoRoot().resolve("deploy/local/up");
            try {
                Process p = new ProcessBuilder(up.toString()).inheritIO().start();
                if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    throw new IllegalStateException(up + " failed (exit " + (p.isAlive() ? "timeout" : p.exitValue())
                            + ")");
                }
            } catch (IOException e) {
                throw new IllegalStateException("could not run " + up, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (!answers(s)) {
                throw new IllegalStateException("local stack still not reachable at " + s);
            }
        }
        checked = true;
        return s;
    }

    static boolean answers(StackSettings s) {
        String[] kafka = s.kafkaBootstrap().split(",")[0].split(":");
        URI s3 = URI.create(s.s3Endpoint());
        return open(kafka[0], Integer.parseInt(kafka[1])) && open(s3.getHost(), s3.getPort());
    }

    private static boolean open(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The repository root: from the build (system property) or by walking up to the folder holding deploy/. */
    public static Path repoRoot() {
        String prop = System.getProperty("vlmesh.repo.root");
        if (prop != null && Files.isDirectory(Path.of(prop, "deploy", "local"))) {
            return Path.of(prop);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("deploy/local/up"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (deploy/local/up)");
    }
}
