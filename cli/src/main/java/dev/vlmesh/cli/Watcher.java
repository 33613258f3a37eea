package dev.vlmesh.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Follows one job's event stream and writes the answer to stdout as it is generated; status goes to stderr. A
 * dropped connection is resumed with Last-Event-ID, so nothing is printed twice or skipped.
 */
final class Watcher {

    private static final int MAX_RECONNECTS = 30;

    private final Api api;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean quiet;

    private final long deadlineNanos;
    private long lastEventId;
    private boolean printedDeltas;
    private boolean printedSegments;
    private boolean atLineStart = true;
    /** Segment mode: the window whose text is being printed, -1 before the first. */
    private int streamingSegment = -1;
    private boolean streamedThisSegment;

    /** @param timeout how long to wait for the job to end, or null for no limit */
    Watcher(Api api, PrintStream out, PrintStream err, Duration timeout) {
        this.api = api;
        this.out = out;
        this.err = err;
        this.quiet = api.settings().quiet();
        this.deadlineNanos = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    }

    /** Streams until the job ends; returns the exit code for its outcome. */
    int watch(String jobId) {
        URI uri = URI.create(api.settings().resultsUrl() + "/v1/jobs/"
                + URLEncoder.encode(jobId, StandardCharsets.UTF_8) + "/events");
        int failures = 0;
        while (true) {
            HttpRequest.Builder b = api.request(uri.toString()).header("Accept", "text/event-stream").GET();
            if (lastEventId > 0) {
                b.header("Last-Event-ID", Long.toString(lastEventId));
            }
            long before = lastEventId;
            checkDeadline(jobId);
            try {
                HttpResponse<InputStream> r = api.client().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                int status = r.statusCode();
                if (status == 200) {
                    Integer outcome = followUntilDeadline(r.body(), jobId);
                    if (outcome != null) {
                        return outcome;
                    }
                } else if (status == 204) {
                    return fromStoredState(jobId);
                } else {
                    String body;
                    try (InputStream in = r.body()) {
                        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    }
                    if (status < 500 && status != 429) {
                        throw Api.failure(status, body, uri);
                    }
                }
            } catch (ConnectException e) {
                if (failures >= MAX_RECONNECTS) {
                    throw Api.unreachable(uri);
                }
            } catch (IOException e) {
                // connection dropped mid-stream: resume below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCodes.UNAVAILABLE, "interrupted");
            }
            failures = lastEventId > before ? 1 : failures + 1;
            if (failures > MAX_RECONNECTS) {
                throw new CliException(ExitCodes.UNAVAILABLE, "lost the stream of " + jobId + " and could not resume");
            }
            if (!quiet) {
                newline();
                err.println("(stream interrupted; resuming after event " + lastEventId + ")");
            }
            pause(Math.min(5000, 250L * failures));
        }
    }

    private void checkDeadline(String jobId) {
        if (System.nanoTime() > deadlineNanos) {
            newline();
            throw new CliException(ExitCodes.TIMEOUT, "job " + jobId + " did not end within the timeout "
                    + "(it keeps running; follow it with: vlmesh watch " + jobId + ")");
        }
    }

    /** {@link #follow}, with the stream closed from a timer at the deadline so a silent stream cannot hang us. */
    private Integer followUntilDeadline(InputStream body, String jobId) throws IOException {
        if (deadlineNanos == Long.MAX_VALUE) {
            return follow(body);
        }
        long left = Math.max(1, deadlineNanos - System.nanoTime());
        Thread timer = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(Duration.ofNanos(left));
                body.close();
            } catch (InterruptedException | IOException ignored) {
                // finished in time, or already closed
            }
        });
        try {
            return follow(body);
        } catch (IOException e) {
            checkDeadline(jobId);
            throw e;
        } finally {
            timer.interrupt();
        }
    }

    /** Prints events until the terminal one (returns its exit code) or the end of the stream (returns null). */
    private Integer follow(InputStream body) throws IOException {
        try (SseReader sse = new SseReader(body)) {
            for (SseReader.Event e; (e = sse.next()) != null; ) {
                if (e.id() != null) {
                    lastEventId = Long.parseLong(e.id());
                }
                Map<String, Object> d = Json.object(e.data());
                switch (e.name()) {
                    case "started" -> started(d);
                    case "delta" -> delta(d);
                    case "segment" -> segment(d);
                    case "completed" -> {
                        return completed(d);
                    }
                    case "failed" -> {
                        return failed(Json.str(d, "error.code"), Json.str(d, "error.message"));
                    }
                    default -> { }
                }
            }
        }
        return null;
    }

    private void started(Map<String, Object> d) {
        if (Boolean.TRUE.equals(d.get("reset"))) {
            restarted(d);
        }
        if (!quiet) {
            err.println("running" + (d.get("model") == null ? "" : " on " + Json.str(d, "model")
                    + (d.get("model_version") == null ? "" : "@" + Json.str(d, "model_version"))));
        }
    }

    private void restarted(Map<String, Object> d) {
        newline();
        printedDeltas = false;
        printedSegments = false;
        streamingSegment = -1;
        streamedThisSegment = false;
        err.println("(the job was retried: attempt " + Json.str(d, "attempt")
                + "; the text above was discarded, the answer starts again)");
    }

    private void delta(Map<String, Object> d) {
        if (Boolean.TRUE.equals(d.get("reset"))) {
            restarted(d);
        }
        String text = Json.str(d, "text");
        Object seg = d.get("segment");
        if (seg instanceof Number n && n.intValue() != streamingSegment) {
            // segment mode: each window on a line of its own, its time range added when the window completes
            newline();
            streamingSegment = n.intValue();
            streamedThisSegment = false;
            out.printf("[#%d] ", streamingSegment + 1);
            atLineStart = false;
        }
        if (text != null && !text.isEmpty()) {
            if (seg instanceof Number) {
                text = text.replace('\n', ' ');
                streamedThisSegment = true;
            }
            out.print(text);
            out.flush();
            atLineStart = text.endsWith("\n");
            printedDeltas = true;
        }
    }

    private void segment(Map<String, Object> d) {
        Object start = d.get("start_seconds");
        Object end = d.get("end_seconds");
        Object seg = d.get("segment");
        if (seg instanceof Number n && n.intValue() == streamingSegment && streamedThisSegment) {
            // its text is already on this line
            out.printf("  (%s s – %s s)%n", num(start), num(end));
        } else {
            newline();
            out.printf("[%s s – %s s] %s%n", num(start), num(end), Json.str(d, "text"));
        }
        atLineStart = true;
        streamingSegment = -1;
        streamedThisSegment = false;
        out.flush();
        printedSegments = true;
    }

    private int completed(Map<String, Object> d) {
        String status = Json.str(d, "status");
        if (!printedDeltas && !printedSegments) {
            String text = Json.str(d, "text");
            if (text != null) {
                out.print(text);
                atLineStart = text.isEmpty() || text.endsWith("\n");
            }
        }
        newline();
        out.flush();
        if (!quiet) {
            String tokens = Json.str(d, "usage.completion_tokens");
            String total = Json.str(d, "timings.total_ms");
            err.println(status + (tokens == null ? "" : " · " + tokens + " tokens")
                    + (total == null ? "" : " · " + total + " ms")
                    + (d.get("finish_reason") == null ? "" : " · finish: " + Json.str(d, "finish_reason")));
        }
        return "cancelled".equals(status) ? ExitCodes.JOB_CANCELLED : ExitCodes.OK;
    }

    private int failed(String code, String message) {
        newline();
        err.println("job failed: " + (code == null ? "" : code + ": ") + (message == null ? "" : message));
        return ExitCodes.JOB_FAILED;
    }

    /** The stream had already ended when we reconnected: report the job's stored outcome. */
    private int fromStoredState(String jobId) {
        String body = api.send(api.request(api.settings().resultsUrl() + "/v1/jobs/"
                + URLEncoder.encode(jobId, StandardCharsets.UTF_8)).GET().build());
        Map<String, Object> job = Json.object(body);
        String status = Json.str(job, "status");
        if ("failed".equals(status)) {
            return failed(Json.str(job, "error.code"), Json.str(job, "error.message"));
        }
        return completed(job);
    }

    private void newline() {
        if (!atLineStart) {
            out.println();
            out.flush();
            atLineStart = true;
        }
    }

    private static String num(Object o) {
        return o instanceof Number n ? String.format("%.1f", n.doubleValue()) : String.valueOf(o);
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(Duration.ofMillis(ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
