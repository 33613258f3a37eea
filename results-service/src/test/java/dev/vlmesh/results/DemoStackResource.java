package dev.vlmesh.results;

import dev.vlmesh.testing.LocalStack;
import java.nio.file.Path;

/** The whole job path with infer-service serving the shipped demo model (the stack's default model). */
public class DemoStackResource extends VideoStackResource {

    static Path demoModel() {
        return LocalStack.repoRoot().resolve("models/demo-internvl3");
    }

    @Override
    protected Path modelDir() {
        return demoModel();
    }
}
