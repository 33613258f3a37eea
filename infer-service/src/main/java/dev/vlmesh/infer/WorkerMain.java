package dev.vlmesh.infer;

import dev.vlmesh.infer.config.WorkerSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.net.URL;
import java.util.concurrent.CountDownLatch;

/**
 * The worker without the HTTP server: same configuration ({@code application.properties}, overridden by system
 * properties and environment variables, as in Quarkus), same job handling. For running extra workers beside the
 * service and for the takeover tests, which start it as a child JVM and kill it.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp … dev.vlmesh.infer.WorkerMain</pre>
 */
public final class WorkerMain {

    private WorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("java.util.logging.manager") == null) {
            // outside Quarkus nobody configures JBoss LogManager: log through plain JUL to stderr, one line each
            System.setProperty("org.jboss.logging.provider", "jdk");
            System.setProperty("java.util.logging.SimpleFormatter.format",
                    "%1$tT.%1$tL %4$-7s [%3$s] %5$s%6$s%n");
        }
        URL props = WorkerMain.class.getClassLoader().getResource("application.properties");
        SmallRyeConfigBuilder b = new SmallRyeConfigBuilder().addDefaultSources().addDefaultInterceptors();
        if (props != null) {
            b.withSources(new PropertiesConfigSource(props, 250));
        }
        SmallRyeConfig config = b.build();
        WorkerSettings settings = WorkerSettings.from(config);
        InferWorker worker = new InferWorker(settings, new SimpleMeterRegistry());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            stopped.countDown();
        }));
        System.out.println("worker " + settings.workerId() + " started");
        stopped.await();
    }
}
