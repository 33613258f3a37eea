package dev.vlmesh.engine.cli;

/**
 * Command-line entry point. Only checks that the JVM was started with the Vector API module, so the user gets a
 * clear instruction instead of a {@code NoClassDefFoundError}, then hands over to {@link Cli}.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            System.err.println("error: the engine needs the Vector API module; start Java with "
                    + "--add-modules jdk.incubator.vector");
            System.exit(Cli.EXIT_ENVIRONMENT);
        }
        System.exit(Cli.run(args, System.out, System.err));
    }
}
