package dev.vlmesh.results.api;

import dev.vlmesh.events.quarkus.Problem;
import dev.vlmesh.results.state.JobStatus;
import dev.vlmesh.results.state.StoreKeys;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/** Query-parameter parsing with RFC 7807 answers for bad input. */
final class Params {

    private static final Pattern POSITION = Pattern.compile("\\d{13}/[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private Params() {
    }

    static Set<JobStatus> statuses(String csv) {
        if (csv == null || csv.isBlank()) {
            return EnumSet.allOf(JobStatus.class);
        }
        Set<JobStatus> out = EnumSet.noneOf(JobStatus.class);
        for (String s : csv.split(",")) {
            JobStatus st = JobStatus.parse(s);
            if (st == null) {
                throw bad("status", "unknown status '" + s.trim()
                        + "' (expected queued, running, succeeded, failed or cancelled, comma-separated)");
            }
            out.add(st);
        }
        return out;
    }

    static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw bad(name, "'" + value + "' is not an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
    }

    static int limit(Integer value, int max) {
        if (value == null) {
            return Math.min(20, max);
        }
        if (value < 1 || value > max) {
            throw bad("limit", "must be between 1 and " + max);
        }
        return value;
    }

    static String id(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (!StoreKeys.safeId(value)) {
            throw bad(name, "not a valid id");
        }
        return value;
    }

    static String encodeCursor(String position) {
        return position == null ? null
                : Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
    }

    static String decodeCursor(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            String p = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8);
            if (POSITION.matcher(p).matches()) {
                return p;
            }
        } catch (IllegalArgumentException ignored) {
            // fall through
        }
        throw bad("after", "not a cursor returned by this API (use next_cursor of the previous page)");
    }

    static long lastEventId(String header, String query) {
        String v = header != null && !header.isBlank() ? header : query;
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw bad("Last-Event-ID", "must be the id of an event of this stream (a non-negative integer)");
    }

    static Problem.ProblemException bad(String param, String detail) {
        return new Problem.ProblemException(Problem.of(400, "invalid-parameter", "Invalid parameter '" + param + "'",
                detail).with("parameter", param));
    }
}
