package dev.vlmesh.events;

/** Consumer group ids, in one place. Namespaced like topics so tests never share offsets. */
public final class ConsumerGroups {

    private ConsumerGroups() {
    }

    /** Infer workers share submitted jobs. */
    public static String inferWorkers(String namespace) {
        return name("infer-workers", namespace);
    }

    /** Results-service instances each build the whole job state (one group per instance id). */
    public static String results(String namespace, String instanceId) {
        return name("results-" + instanceId, namespace);
    }

    /** Convert-service instances share refresh requests. */
    public static String converters(String namespace) {
        return name("converters", namespace);
    }

    private static String name(String base, String namespace) {
        return "vlmesh." + base + (namespace == null || namespace.isBlank() ? "" : "." + namespace);
    }
}
