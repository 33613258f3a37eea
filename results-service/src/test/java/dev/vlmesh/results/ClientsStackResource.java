package dev.vlmesh.results;

import dev.vlmesh.events.StoreLayout;
import dev.vlmesh.events.Topics;
import dev.vlmesh.events.stack.ObjectStores;
import dev.vlmesh.testing.LocalStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The results test stack plus a submission endpoint for the clients (console, CLI): {@link InterimIngest}, started
 * before the app so that the console's config can point at it. Injected into test fields of its type.
 */
public class ClientsStackResource extends ResultsStackResource {

    private InterimIngest ingest;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        String ns = config.get("vlmesh.namespace");
        try {
            ingest = new InterimIngest(TestKeys.SPEC, config.get("kafka.bootstrap.servers"),
                    Topics.withNamespace(ns), StoreLayout.withNamespace(ns),
                    ObjectStores.client(LocalStack.settings()), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        config.put("vlmesh.auth.api-keys", TestKeys.SPEC);
        config.put("vlmesh.console.samples-dir", TestMedia.samplesDir().toString());
        config.put("vlmesh.console.ingest-url", ingest.url());
        return config;
    }

    @Override
    public void inject(TestInjector testInjector) {
        super.inject(testInjector);
        testInjector.injectIntoFields(ingest, new TestInjector.MatchesType(InterimIngest.class));
    }

    @Override
    public void stop() {
        if (ingest != null) {
            ingest.close();
        }
        super.stop();
    }
}
