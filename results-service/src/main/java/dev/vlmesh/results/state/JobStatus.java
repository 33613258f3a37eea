package dev.vlmesh.results.state;

import java.util.Locale;

/** Where a job is in its life. The last three are terminal: nothing changes a job once it reached one. */
public enum JobStatus {
    queued, running, succeeded, failed, cancelled;

    public boolean terminal() {
        return this == succeeded || this == failed || this == cancelled;
    }

    /** Parses a query parameter value; null for an unknown name. */
    public static JobStatus parse(String s) {
        for (JobStatus v : values()) {
            if (v.name().equals(s.trim().toLowerCase(Locale.ROOT))) {
                return v;
            }
        }
        return null;
    }
}
