package dev.vlmesh.cli;

/** What {@code vlmesh} exits with, so scripts can tell outcomes apart. */
public final class ExitCodes {

    /** Done; for job commands: the job succeeded. */
    public static final int OK = 0;
    /** The job failed (its error is printed). */
    public static final int JOB_FAILED = 1;
    /** Wrong command line. */
    public static final int USAGE = 2;
    /** The job was cancelled. */
    public static final int JOB_CANCELLED = 3;
    /** A service refused the request (4xx: bad file, unknown job, bad key …); its problem detail is printed. */
    public static final int REFUSED = 4;
    /** A service could not be reached or failed (5xx, connection lost and not recovered). */
    public static final int UNAVAILABLE = 5;
    /** The job did not end within --timeout. */
    public static final int TIMEOUT = 6;

    private ExitCodes() {
    }
}
