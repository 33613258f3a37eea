package dev.vlmesh.ingest;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import dev.vlmesh.testing.LocalStack;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A broker address the test controls: a reserved port that is closed (the broker is "down") until {@link #open()}
 * starts forwarding it to the real broker. The service's job producer bootstraps through this port; the shared broker
 * itself is never touched. (Kafka's metadata then points the producer at the broker's own address, so only the
 * bootstrap goes through the gate: enough to keep the producer from ever reaching the broker while it is closed.)
 */
public final class BrokerGate implements AutoCloseable {
    private final int port;
    private final String targetHost;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;

    private BrokerGate(int port, String targetHost, int targetPort) {
        this.port = port;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
    }

    /** Picks a free port and leaves it closed. */
    static BrokerGate closed() throws IOException {
        String[] target = LocalStack.settings().kafkaBootstrap().split(",")[0].split(":");
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new BrokerGate(probe.getLocalPort(), target[0], Integer.parseInt(target[1]));
        }
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    /** The broker "comes back": the port forwards to the real broker. */
    public synchronized void open() throws IOException {
        if (server != null) {
            return;
        }
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        server = s;
        Thread.ofPlatform().daemon().name("broker-gate").start(() -> {
            while (!s.isClosed()) {
                try {
                    Socket client = s.accept();
                    Socket upstream = new Socket(targetHost, targetPort);
                    sockets.add(client);
                    sockets.add(upstream);
                    pipe(client, upstream);
                    pipe(upstream, client);
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private static void pipe(Socket from, Socket to) {
        Thread.ofPlatform().daemon().name("broker-gate-pipe").start(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException ignored) {
                // either side closed
            } finally {
                try {
                    to.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        });
    }

    @Override
    public synchronized void close() {
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** Points the service's job producer at a closed gate, and injects the gate into the test. */
    public static class Resource implements QuarkusTestResourceLifecycleManager {
        private BrokerGate gate;

        @Override
        public Map<String, String> start() {
            try {
                gate = closed();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return Map.of("vlmesh.ingest.kafka.bootstrap", gate.address());
        }

        @Override
        public void inject(TestInjector injector) {
            injector.injectIntoFields(gate, new TestInjector.MatchesType(BrokerGate.class));
        }

        @Override
        public void stop() {
            if (gate != null) {
                gate.close();
            }
        }
    }
}
