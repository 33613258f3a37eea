package dev.vlmesh.infer.checkpoint;

import dev.vlmesh.events.ErrorCodes;
import dev.vlmesh.infer.backend.JobFailure;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The loaded versions of the model and which one new work gets. Every generation holds a {@link Lease} on the
 * version it runs on; {@link #install} switches new work to another version atomically, and a replaced version is
 * closed when its last lease is returned, so running generations finish on the weights they started with. A job
 * may pin a version that is not current: it is loaded beside the others through {@code pinnedLoader} and closed
 * when no lease holds it.
 */
public final class ModelVersions implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ModelVersions.class);

    /** Loads a version that a job pinned, or fails with {@link ErrorCodes#MODEL_VERSION_NOT_FOUND}. */
    @FunctionalInterface
    public interface PinnedLoader {
        ModelRuntime load(String version) throws JobFailure, InterruptedException;
    }

    private static final class Entry {
        final ModelRuntime model;
        int leases;
        boolean retired;

        Entry(ModelRuntime model) {
            this.model = model;
        }
    }

    private final Map<String, Entry> loaded = new HashMap<>();
    private final Object pinnedLoadLock = new Object();
    private final PinnedLoader pinnedLoader;
    private Entry current;

    public ModelVersions(PinnedLoader pinnedLoader) {
        this.pinnedLoader = pinnedLoader;
    }

    /** A hold on one loaded version. */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public ModelRuntime model() {
            return entry.model;
        }

        @Override
        public void close() {
            ModelRuntime toClose = null;
            synchronized (ModelVersions.this) {
                if (closed) {
                    return;
                }
                closed = true;
                entry.leases--;
                if (entry.leases == 0 && entry.retired) {
                    loaded.remove(entry.model.version(), entry);
                    toClose = entry.model;
                }
            }
            if (toClose != null) {
                release(toClose);
            }
        }
    }

    /** Makes {@code model} the version new work runs on; the previous one is closed once unused. */
    public void install(ModelRuntime model) {
        ModelRuntime toClose = null;
        synchronized (this) {
            Entry e = loaded.get(model.version());
            if (e != null && e.model != model) {
                // the same version again (re-announced): keep the loaded copy, drop the new one
                toClose = model;
            } else if (e == null) {
                e = new Entry(model);
                loaded.put(model.version(), e);
            }
            e.retired = false;
            Entry previous = current;
            current = e;
            if (previous != null && previous != e) {
                previous.retired = true;
                if (previous.leases == 0) {
                    loaded.remove(previous.model.version(), previous);
                    ModelRuntime old = previous.model;
                    LOG.infof("version %s replaced by %s and released", old.version(), model.version());
                    release(old);
                } else {
                    LOG.infof("version %s replaced by %s; released when its %d running generation(s) finish",
                            previous.model.version(), model.version(), previous.leases);
                }
            }
        }
        if (toClose != null) {
            release(toClose);
        }
    }

    /** The current version, or the pinned one (loaded if needed). */
    public Lease acquire(String pinnedVersion) throws JobFailure, InterruptedException {
        synchronized (this) {
            if (pinnedVersion == null || pinnedVersion.isBlank()) {
                if (current == null) {
                    throw JobFailure.retryable(ErrorCodes.MODEL_NOT_FOUND, "no model version is loaded yet", null);
                }
                current.leases++;
                return new Lease(current);
            }
            Entry e = loaded.get(pinnedVersion);
            if (e != null) {
                e.leases++;
                return new Lease(e);
            }
        }
        synchronized (pinnedLoadLock) {
            synchronized (this) {
                Entry e = loaded.get(pinnedVersion);
                if (e != null) {
                    e.leases++;
                    return new Lease(e);
                }
            }
            LOG.infof("loading pinned version %s", pinnedVersion);
            ModelRuntime m = pinnedLoader.load(pinnedVersion);
            synchronized (this) {
                Entry e = new Entry(m);
                e.retired = true; // not current: closed when its last lease is returned
                e.leases = 1;
                loaded.put(m.version(), e);
                return new Lease(e);
            }
        }
    }

    public synchronized Optional<ModelRuntime> current() {
        return Optional.ofNullable(current).map(e -> e.model);
    }

    /** Versions currently in memory (the current one, replaced ones still in use, pinned ones). */
    public synchronized Map<String, Integer> loadedVersions() {
        Map<String, Integer> out = new HashMap<>();
        loaded.forEach((v, e) -> out.put(v, e.leases));
        return out;
    }

    private static void release(ModelRuntime m) {
        try {
            m.close();
        } catch (RuntimeException e) {
            LOG.warnf(e, "closing model version %s failed", m.version());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            loaded.values().forEach(e -> release(e.model));
            loaded.clear();
            current = null;
        }
    }
}
