import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Turns EngineBench's TSV into Markdown: the machine's limits, one table per model (a column per dtype × threads:
 * value, fraction of the limit, foreign load), llama.cpp's figures from issue 11 beside them, and each issue-11
 * target with how far the 2-thread figure is from it.
 *
 * usage: Report limits.properties results.tsv
 */
public final class Report {

    record Row(String label, String dtype, int threads, String metric, double value, String unit, String fraction,
               String foreign, String cpu, String note) {
    }

    private static final String[] METRICS = {"ttft_1tile", "vision_per_tile", "vision_13_tiles", "prefill_256",
        "prefill_1024", "prefill_2048", "decode_ctx256", "decode_ctx2048", "generate_prefill_256",
        "generate_decode_ctx256", "peak_rss", "load"};

    /**
     * llama.cpp on the machine (2 cores Zen 5 with AVX-512 — not this machine), 2 threads, from issue 11 and
     * /work/shared/reference/cpu-performance.md. Key: label|dtype|metric.
     */
    private static final Map<String, String> LLAMA = Map.ofEntries(
            Map.entry("InternVL3-1B|BF16|prefill_256", "490 (0.82)"),
            Map.entry("InternVL3-1B|F32|prefill_256", "193 (0.33)"),
            Map.entry("InternVL3-1B|F16|prefill_256", "310 (0.52)"),
            Map.entry("InternVL3-1B|BF16|decode_ctx256", "~19 (0.34, suspect); Q8_0 50, F16 33"),
            Map.entry("InternVL3-1B|F32|decode_ctx256", "~13.5 (0.49, disturbed)"),
            Map.entry("InternVL3-1B|F16|decode_ctx256", "33 (0.59)"),
            Map.entry("InternVL3-2B|BF16|prefill_256", "133 (0.82)"),
            Map.entry("InternVL3-2B|F32|prefill_256", "~48 (0.29, disturbed)"),
            Map.entry("InternVL3-2B|F16|prefill_256", "90 (0.55)"),
            Map.entry("InternVL3-2B|BF16|decode_ctx256", "10.7 (0.60); Q8_0 15"),
            Map.entry("InternVL3-2B|F32|decode_ctx256", "~6.5 (unreliable)"),
            Map.entry("InternVL3-2B|F16|decode_ctx256", "9.9 (0.55)"),
            Map.entry("InternVL3-1B|BF16|vision_per_tile", "3300–4300 ms (0.40–0.51)"),
            Map.entry("InternVL3-1B|F32|vision_per_tile", "4500 ms (0.37)"),
            Map.entry("InternVL3-2B|BF16|vision_per_tile", "3300–4300 ms (0.40–0.51)"),
            Map.entry("InternVL3-2B|F32|vision_per_tile", "4500 ms (0.37)"));

    public static void main(String[] args) throws IOException {
        Properties limits = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of(args[0]))) {
            limits.load(r);
        }
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            String[] f = line.split("\t", -1);
            if (f.length == 10) {
                rows.add(new Row(f[0], f[1], Integer.parseInt(f[2]), f[3], Double.parseDouble(f[4]), f[5], f[6],
                        f[7], f[8], f[9]));
            }
        }
        System.out.println("### Machine limits (Vector API, best of the samples; median in brackets)\n");
        System.out.println("| limit | 1 thread | 2 threads |\n|---|---|---|");
        System.out.printf(Locale.ROOT, "| memory read bandwidth, GB/s | %s (%s) | %s (%s) |%n",
                limits.getProperty("bandwidth.1"), limits.getProperty("bandwidth.1.median"),
                limits.getProperty("bandwidth.2"), limits.getProperty("bandwidth.2.median"));
        System.out.printf(Locale.ROOT, "| fp32 FMA, GFLOP/s (%s-bit vectors) | %s (%s) | %s (%s) |%n%n",
                limits.getProperty("vector.bits"), limits.getProperty("fma.1"), limits.getProperty("fma.1.median"),
                limits.getProperty("fma.2"), limits.getProperty("fma.2.median"));
        Set<String> labels = new LinkedHashSet<>();
        rows.forEach(r -> labels.add(r.label()));
        for (String label : labels) {
            table(label, rows.stream().filter(r -> r.label().equals(label)).toList());
        }
        targets(rows);
    }

    private static void table(String label, List<Row> rows) {
        Map<String, List<Row>> columns = new LinkedHashMap<>();
        for (Row r : rows) {
            columns.computeIfAbsent(r.dtype() + " · " + r.threads() + "T", k -> new ArrayList<>()).add(r);
        }
        System.out.printf("### %s%n%n", label);
        StringBuilder head = new StringBuilder("| metric | unit |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (String c : columns.keySet()) {
            head.append(' ').append(c).append(" |");
            rule.append("---|");
        }
        head.append(" llama.cpp, 2T, other machine (fraction) |");
        rule.append("---|");
        System.out.println(head);
        System.out.println(rule);
        Set<String> dtypes = new LinkedHashSet<>();
        rows.forEach(r -> dtypes.add(r.dtype()));
        for (String metric : METRICS) {
            List<String> cells = new ArrayList<>();
            String unit = null;
            for (List<Row> col : columns.values()) {
                Row r = col.stream().filter(x -> x.metric().equals(metric)).findFirst().orElse(null);
                cells.add(r == null ? "–" : cell(r));
                if (r != null) {
                    unit = r.unit();
                }
            }
            if (unit == null) {
                continue;
            }
            StringBuilder llama = new StringBuilder();
            for (String dt : dtypes) {
                String v = LLAMA.get(label + "|" + dt + "|" + metric);
                if (v != null) {
                    llama.append(llama.isEmpty() ? "" : "; ").append(dt).append(' ').append(v);
                }
            }
            System.out.println("| " + metric + " | " + unit + " | " + String.join(" | ", cells) + " | " + llama
                    + " |");
        }
        System.out.println();
        System.out.println("Cells: value (fraction of the limit; foreign load). Limits: prefill, vision and TTFT = "
                + "useful FLOP/s ÷ fp32 FMA peak; decode = weight bytes per token × tok/s ÷ read bandwidth; "
                + "peak_rss = peak RSS ÷ (weights + KV cache + 300 MiB).\n");
    }

    private static String cell(Row r) {
        String v = r.value() >= 100 ? String.format(Locale.ROOT, "%.0f", r.value())
                : String.format(Locale.ROOT, "%.1f", r.value());
        List<String> extra = new ArrayList<>();
        if (!r.fraction().isEmpty()) {
            extra.add(String.format(Locale.ROOT, "%.2f", Double.parseDouble(r.fraction())));
        }
        if (!r.foreign().isEmpty()) {
            extra.add("f " + r.foreign());
        }
        return extra.isEmpty() ? v : v + " (" + String.join("; ", extra) + ")";
    }

    /** Issue 11's targets, 2 threads. */
    private static void targets(List<Row> rows) {
        System.out.println("### Issue 11 targets, 2 threads\n");
        System.out.println("| model · dtype | target | measured | verdict |\n|---|---|---|---|");
        for (Row r : rows) {
            if (r.threads() != 2) {
                continue;
            }
            String key = r.label() + " · " + r.dtype();
            double frac = r.fraction().isEmpty() ? Double.NaN : Double.parseDouble(r.fraction());
            switch (r.metric()) {
                case "vision_per_tile" -> verdict(key, "vision ≤ 2500 ms per tile (issue machine: 0.68 of its "
                        + "fp32 peak)", String.format(Locale.ROOT, "%.0f ms, %.2f of this machine's peak",
                        r.value(), frac), r.value() <= 2500, 2500 / r.value(), frac / 0.675);
                case "decode_ctx256" -> {
                    double llama = llamaDecode(r.label(), r.dtype());
                    verdict(key, "decode ≥ 0.80 of bandwidth" + (llama > 0 ? String.format(Locale.ROOT,
                            " and ≥ llama.cpp %.1f tok/s", llama) : ""), String.format(Locale.ROOT,
                            "%.1f tok/s, %.2f of bandwidth", r.value(), frac),
                            frac >= 0.8 && (llama <= 0 || r.value() >= llama), frac / 0.8,
                            llama > 0 ? r.value() / llama : Double.NaN);
                }
                case "prefill_256" -> {
                    double llama = llamaPrefill(r.label(), r.dtype());
                    double need = r.dtype().equals("BF16") ? 0.8 : 1.0;
                    if (llama > 0) {
                        verdict(key, String.format(Locale.ROOT, "prefill ≥ %.1f × llama.cpp (%.0f tok/s)", need,
                                llama), String.format(Locale.ROOT, "%.0f tok/s, %.2f of peak", r.value(), frac),
                                r.value() >= need * llama, r.value() / (need * llama), Double.NaN);
                    }
                }
                case "peak_rss" -> verdict(key, "peak RSS ≤ weights + KV + 300 MiB", String.format(Locale.ROOT,
                        "%.0f MiB, %.2f of the budget", r.value(), frac), frac <= 1, 1 / frac, Double.NaN);
                default -> { }
            }
        }
        System.out.println("\n\"ratio\" = measured ÷ target (≥ 1 meets it). The llama.cpp figures come from a Zen 5 "
                + "machine with AVX-512; where this machine differs, the fraction-of-limit ratio is the fairer one.");
    }

    private static void verdict(String key, String target, String measured, boolean met, double ratio,
                                double second) {
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %s, ratio %.2f%s |%n", key, target, measured,
                met ? "**met**" : "not met", ratio, Double.isNaN(second) ? "" : String.format(Locale.ROOT,
                        " / %.2f", second));
    }

    private static double llamaDecode(String label, String dtype) {
        // issue 11: 0.5B Q8_0 50, F16 33; 1.5B Q8_0 15, BF16 10.7 (2 threads)
        return switch (label + "|" + dtype) {
            case "InternVL3-1B|F16" -> 33;
            case "InternVL3-2B|BF16" -> 10.7;
            default -> -1;
        };
    }

    private static double llamaPrefill(String label, String dtype) {
        return switch (label + "|" + dtype) {
            case "InternVL3-1B|BF16" -> 490;
            case "InternVL3-1B|F16" -> 310;
            case "InternVL3-1B|F32" -> 193;
            case "InternVL3-2B|BF16" -> 133;
            case "InternVL3-2B|F16" -> 90;
            default -> -1;
        };
    }
}
