package dev.vlmesh.cli;

/** Ends the command with a message on stderr and an exit code (see {@link ExitCodes}). */
public final class CliException extends RuntimeException {

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
