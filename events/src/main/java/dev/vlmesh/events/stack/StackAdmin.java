package dev.vlmesh.events.stack;

import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.Topics;
import io.minio.MinioClient;
import org.apache.kafka.clients.admin.Admin;

/**
 * Command-line entry used by {@code deploy/local/up}: waits until the broker and the store answer, then creates the
 * topics and buckets. Exit code 0 when everything exists, 1 with a reason otherwise.
 *
 * <pre>java -cp … dev.vlmesh.events.stack.StackAdmin ensure [namespace] [timeoutSeconds]</pre>
 */
public final class StackAdmin {

    private StackAdmin() {
    }

    public static void main(String[] args) {
        if (args.length < 1 || !args[0].equals("ensure")) {
            System.err.println("usage: StackAdmin ensure [namespace] [timeoutSeconds]");
            System.exit(2);
        }
        String namespace = args.length > 1 ? args[1] : "";
        long timeoutMs = (args.length > 2 ? Long.parseLong(args[2]) : 60) * 1000;
        try {
            ensure(StackSettings.fromEnvironment(), namespace, timeoutMs);
            System.exit(0);
        } catch (Exception e) {
            System.err.println("stack admin: " + e);
            System.exit(1);
        }
    }

    public static void ensure(StackSettings settings, String namespace, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        Exception last = null;
        while (System.currentTimeMillis() < deadline) {
            try {
                ensureOnce(settings, namespace);
                return;
            } catch (Exception e) {
                last = e;
                Thread.sleep(250); // polling a server that is still starting; there is no event to wait on
            }
        }
        throw new IllegalStateException("stack not ready after " + timeoutMs + " ms", last);
    }

    private static void ensureOnce(StackSettings settings, String namespace) throws Exception {
        MinioClient s3 = ObjectStores.client(settings);
        StoreLayout layout = StoreLayout.withNamespace(namespace);
        ObjectStores.ensureBucket(s3, layout.mediaBucket());
        ObjectStores.ensureBucket(s3, layout.checkpointBucket());
        try (Admin admin = KafkaTopics.admin(settings.kafkaBootstrap())) {
            KafkaTopics.ensure(admin, Topics.withNamespace(namespace));
        }
    }
}
