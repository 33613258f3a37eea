package dev.vlmesh.engine.convert;

import dev.vlmesh.engine.checkpoint.CheckpointLayout;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Command line:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine.jar:… dev.vlmesh.engine.convert.ConvertMain hf-to-mm \
 *      --src HF_DIR --out MM_DIR [--tp N] [--llm-pp '[[6,8,8,6]]'] [--vit-pp '[[24,0,0,0]]'] [--torch-format]
 *      [--throttle-mb-per-s N] [--source-sums SHA256SUMS] [--quiet]
 * … ConvertMain mm-to-hf --src MM_DIR --out HF_DIR [--layout original|hf]
 * … ConvertMain verify --mm MM_DIR [--hf HF_DIR] [--round-trip] [--work DIR]
 * </pre>
 * Exit status: 0 success, 1 refused or failed (the stable reason code is printed first), 2 usage error.
 */
public final class ConvertMain {

    private ConvertMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            err.println(usage());
            return args.length == 0 ? 2 : 0;
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                err.println("unexpected argument '" + a + "'\n" + usage());
                return 2;
            }
            String key = a.substring(2);
            if (List.of("torch-format", "round-trip", "quiet", "force-zip64").contains(key)) {
                opts.put(key, "true");
            } else if (i + 1 < args.length) {
                opts.put(key, args[++i]);
            } else {
                err.println("option " + a + " needs a value\n" + usage());
                return 2;
            }
        }
        try {
            return switch (args[0]) {
                case "hf-to-mm" -> hfToMm(opts, out);
                case "mm-to-hf" -> mmToHf(opts, out);
                case "verify" -> verify(opts, out);
                default -> {
                    err.println("unknown command '" + args[0] + "'\n" + usage());
                    yield 2;
                }
            };
        } catch (ConversionException e) {
            err.println(e.reason().code() + ": " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage() + "\n" + usage());
            return 2;
        }
    }

    private static int hfToMm(Map<String, String> o, PrintStream out) throws ConversionException {
        Path src = path(o, "src");
        Path dst = path(o, "out");
        var config = SourceCheckpoint.readConfig(src);
        int tp = Integer.parseInt(o.getOrDefault("tp", "1"));
        List<List<Integer>> llm = o.containsKey("llm-pp") ? ParallelSpec.parseLayers(o.get("llm-pp"))
                : List.of(List.of(config.text().layers()));
        List<List<Integer>> vit = o.containsKey("vit-pp") ? ParallelSpec.parseLayers(o.get("vit-pp"))
                : List.of(List.of(config.vision().layers()));
        boolean quiet = o.containsKey("quiet");
        long[] lastPrint = {0};
        ProgressListener progress = (phase, sd, st, bd, bt) -> {
            long now = System.nanoTime();
            if (!quiet && (now - lastPrint[0] > 2_000_000_000L || phase.equals("done"))) {
                lastPrint[0] = now;
                out.printf(Locale.ROOT, "%-9s shards %d/%d  %.1f/%.1f MiB%n", phase, sd, st, bd / 1048576.0,
                        bt / 1048576.0);
            }
        };
        long throttle = (long) (Double.parseDouble(o.getOrDefault("throttle-mb-per-s", "0")) * 1_000_000);
        HfToMm.Options opts = HfToMm.Options.of(new ParallelSpec(tp, llm, vit))
                .withTorchFormat(o.containsKey("torch-format")).withThrottle(throttle).withProgress(progress)
                .withForceZip64(o.containsKey("force-zip64"));
        if (o.containsKey("source-sums")) {
            opts = opts.withSourceDigest(sourceSums(src, Path.of(o.get("source-sums"))));
        }
        long t0 = System.nanoTime();
        HfToMm.Result r = HfToMm.convert(src, dst, opts);
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "%s %s: %d shards written, %d reused from an interrupted run, %.1f MiB in %.2f s;"
                        + " source %s%n", r.reused() ? "already converted" : "converted", r.dir(), r.shardsWritten(),
                r.shardsSkipped(), r.bytesWritten() / 1048576.0, secs, r.manifest().source().digest());
        return 0;
    }

    /**
     * The source digest from per-file SHA-256 sums already known (sha256sum format, e.g. recorded while the files were
     * downloaded), so the converter need not read the source twice. They are trusted as given; {@code verify --hf}
     * checks them against the files afterwards.
     */
    static SourceDigest sourceSums(Path src, Path sums) throws ConversionException {
        java.util.Map<String, String> byName = new java.util.HashMap<>();
        try {
            for (String line : java.nio.file.Files.readAllLines(sums)) {
                String[] p = line.trim().split("\\s+[* ]?", 2);
                if (p.length == 2 && p[0].matches("[0-9a-f]{64}")) {
                    byName.put(p[1].startsWith("*") ? p[1].substring(1) : p[1], p[0]);
                }
            }
            java.util.List<FileDigest> files = new java.util.ArrayList<>();
            try (SourceCheckpoint s = SourceCheckpoint.open(src)) {
                for (String f : s.allFiles()) {
                    String sha = byName.get(f);
                    if (sha == null) {
                        throw new ConversionException(ConversionException.Reason.SOURCE_NOT_FOUND, sums
                                + " has no SHA-256 for " + f);
                    }
                    files.add(new FileDigest(f, java.nio.file.Files.size(src.resolve(f)), sha));
                }
            }
            return SourceDigest.of(files);
        } catch (ConversionException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw new ConversionException(ConversionException.Reason.SOURCE_NOT_FOUND, "cannot read " + sums + ": "
                    + e.getMessage(), e);
        }
    }

    private static int mmToHf(Map<String, String> o, PrintStream out) throws ConversionException {
        String layout = o.get("layout");
        CheckpointLayout l = layout == null ? null : switch (layout) {
            case "original" -> CheckpointLayout.ORIGINAL;
            case "hf" -> CheckpointLayout.HF;
            default -> throw new IllegalArgumentException("--layout must be original or hf");
        };
        MmToHf.Result r = MmToHf.export(path(o, "src"), path(o, "out"), l);
        out.println("wrote " + r.dir() + " (" + r.layout().name().toLowerCase(Locale.ROOT) + " layout, "
                + r.files().size() + " files)");
        return 0;
    }

    private static int verify(Map<String, String> o, PrintStream out) throws ConversionException {
        Path mm = path(o, "mm");
        Path hf = o.containsKey("hf") ? Path.of(o.get("hf")) : null;
        Path work = Path.of(o.getOrDefault("work", mm.toAbsolutePath().getParent().toString()));
        Verifier.Report r = Verifier.verify(mm, hf, o.containsKey("round-trip"), work);
        r.checks().forEach(c -> out.println("ok      " + c));
        r.problems().forEach(p -> out.println("PROBLEM " + p));
        if (!r.ok()) {
            throw new ConversionException(ConversionException.Reason.VERIFICATION_FAILED, r.problems().size()
                    + " problem(s) found in " + mm);
        }
        return 0;
    }

    private static Path path(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + key);
        }
        return Path.of(v);
    }

    static String usage() {
        return """
                usage:
                  ConvertMain hf-to-mm --src HF_DIR --out MM_DIR [--tp N] [--llm-pp '[[6,8,8,6]]'] \
                [--vit-pp '[[24,0,0,0]]'] [--torch-format] [--throttle-mb-per-s N] \
                [--source-sums SHA256SUMS] [--quiet]
                  ConvertMain mm-to-hf --src MM_DIR --out HF_DIR [--layout original|hf]
                  ConvertMain verify --mm MM_DIR [--hf HF_DIR] [--round-trip] [--work DIR]""";
    }
}
