package dev.vlmesh.infer.jobs;

import java.util.List;
import java.util.Locale;

/**
 * The final text of a segment-mode job: every window's answer on its own line, prefixed with its time range, in
 * time order — {@code [0:00–0:10] A red square moves right.} Joining rather than a second summarisation pass keeps
 * the final answer exactly what was streamed (and costs no extra generation); a client that wants one paragraph can
 * ask the model again with these lines as the prompt.
 */
public final class SegmentSummary {

    private SegmentSummary() {
    }

    /** One window's answer. */
    public record Segment(int segment, double startSeconds, double endSeconds, String text) {
    }

    public static String join(List<Segment> segments) {
        StringBuilder b = new StringBuilder();
        for (Segment s : segments) {
            if (!b.isEmpty()) {
                b.append('\n');
            }
            b.append('[').append(clock(s.startSeconds())).append('–').append(clock(s.endSeconds())).append("] ")
                    .append(s.text());
        }
        return b.toString();
    }

    /** {@code m:ss}, with tenths when the time is not a whole second. */
    static String clock(double seconds) {
        long whole = (long) Math.floor(seconds);
        double frac = seconds - whole;
        String base = String.format(Locale.ROOT, "%d:%02d", whole / 60, whole % 60);
        if (Math.abs(frac) < 0.05 || Math.abs(frac - 1) < 0.05) {
            return Math.abs(frac - 1) < 0.05 ? clock(whole + 1) : base;
        }
        return base + String.format(Locale.ROOT, ".%d", Math.min(9, Math.round(frac * 10)));
    }
}
