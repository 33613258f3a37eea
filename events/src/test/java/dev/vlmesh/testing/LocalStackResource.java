package dev.vlmesh.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: points the application under test at a fresh namespace of the local stack and injects the
 * {@link TestStack} into test fields of that type. Use with
 * {@code @QuarkusTestResource(value = LocalStackResource.class, restrictToAnnotatedClass = true)}.
 */
public class LocalStackResource implements QuarkusTestResourceLifecycleManager {

    private TestStack stack;
    private String owner = "quarkus";

    @Override
    public void init(Map<String, String> initArgs) {
        owner = initArgs.getOrDefault("owner", owner);
    }

    @Override
    public Map<String, String> start() {
        stack = TestStack.create(owner);
        return stack.quarkusConfig();
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(stack, new TestInjector.MatchesType(TestStack.class));
    }

    @Override
    public void stop() {
        if (stack != null) {
            stack.close();
        }
    }
}
