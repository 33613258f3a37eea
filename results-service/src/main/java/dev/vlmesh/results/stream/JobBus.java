package dev.vlmesh.results.stream;

import dev.vlmesh.results.state.StreamEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * In-process fan-out of stream events to the SSE connections of this instance. The stream thread publishes right
 * after it wrote the event to the state store, so a subscriber that reads the store after subscribing misses nothing.
 * Listeners must not block: they only hand the event to their connection's queue.
 */
@ApplicationScoped
public class JobBus {

    private static final Logger LOG = Logger.getLogger(JobBus.class);

    private final Map<String, Set<Consumer<StreamEvent>>> byJob = new ConcurrentHashMap<>();
    private final Map<String, Set<Consumer<StreamEvent>>> byTenant = new ConcurrentHashMap<>();

    public Runnable subscribeJob(String jobId, Consumer<StreamEvent> listener) {
        return add(byJob, jobId, listener);
    }

    public Runnable subscribeTenant(String tenant, Consumer<StreamEvent> listener) {
        return add(byTenant, tenant, listener);
    }

    public void publish(StreamEvent event) {
        deliver(byJob.get(event.jobId()), event);
        deliver(byTenant.get(event.tenantId()), event);
    }

    public int subscriberCount() {
        return byJob.values().stream().mapToInt(Set::size).sum() + byTenant.values().stream().mapToInt(Set::size).sum();
    }

    private static void deliver(Set<Consumer<StreamEvent>> listeners, StreamEvent event) {
        if (listeners == null) {
            return;
        }
        for (Consumer<StreamEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                LOG.warnf(e, "stream listener failed for job %s", event.jobId());
            }
        }
    }

    private static Runnable add(Map<String, Set<Consumer<StreamEvent>>> map, String key,
                                Consumer<StreamEvent> listener) {
        map.compute(key, (k, set) -> {
            Set<Consumer<StreamEvent>> s = set != null ? set : ConcurrentHashMap.newKeySet();
            s.add(listener);
            return s;
        });
        return () -> map.computeIfPresent(key, (k, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }
}
