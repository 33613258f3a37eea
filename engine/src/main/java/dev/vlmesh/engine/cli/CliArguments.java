package dev.vlmesh.engine.cli;

import dev.vlmesh.engine.kernel.GemmBackend;
import dev.vlmesh.engine.tensor.WeightFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Parsed command line. {@link #parse} throws {@link UsageException} with a message for the user. */
record CliArguments(Path model, List<Path> images, Path video, int videoSegments, String prompt, String system,
                    int maxNewTokens,
                    int maxTiles, double temperature, double topP, int topK, double repetitionPenalty, Long seed,
                    int threads, WeightFormat weights, GemmBackend gemm, boolean help) {

    static final String USAGE = """
            usage: vlmesh-engine --model DIR [--image FILE...] [--video FILE [--frames N]] --prompt TEXT
                                 [--max-new-tokens N] [--max-tiles N] [--temperature T] [--top-p P] [--top-k K]
                                 [--repetition-penalty R] [--seed S] [--threads N] [--weights FORMAT]
                                 [--gemm java|openblas] [--system TEXT]

              --model DIR            InternVL3 checkpoint directory (original or -hf layout)
              --image FILE...        one or more images (JPEG, PNG, BMP, GIF, WebP); the flag may repeat
              --video FILE           a video (H.264, HEVC, VP8, VP9, AV1); sampled like the reference load_video
              --frames N             frames taken from the video, one per equal segment (default 8)
              --prompt TEXT          the question; <image> marks where images go (added in front if absent)
              --max-new-tokens N     default 512
              --max-tiles N          tiles per image, 1..12 (default: the checkpoint's max_dynamic_patch)
              --temperature T        0 = greedy (default); > 0 samples
              --top-p P              nucleus sampling, (0, 1], default 1
              --top-k K              0 = off (default)
              --repetition-penalty R default 1 (off)
              --seed S               sampling seed (same seed, same text)
              --threads N            compute threads (default: all processors)
              --weights FORMAT       as-stored (default): linear weights read in place from the checkpoint;
                                     q8_0: quantized at load to llama.cpp's Q8_0 (8-bit, 32-element blocks),
                                     about half the bytes of BF16 per decode step, slightly different logits
              --gemm BACKEND         java (default): the Vector API kernels, bit-reproducible; openblas: OpenBLAS
                                     sgemm for prefill and vision (1.2-1.4x faster here, last bits differ; the
                                     core it runs is printed; falls back to java if the library cannot load)
              --system TEXT          replace the default system message

            The answer streams to stdout, timings go to stderr.
            Exit codes: 0 ok, 2 bad arguments, 3 bad input file or prompt, 4 bad model directory,
            5 JVM without --add-modules jdk.incubator.vector, 1 internal error.
            """;

    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    static CliArguments parse(String[] args) throws UsageException {
        Path model = null;
        List<Path> images = new ArrayList<>();
        Path video = null;
        int frames = 8;
        String prompt = null;
        String system = null;
        int maxNew = 512;
        int maxTiles = 0;
        double temperature = 0;
        double topP = 1;
        int topK = 0;
        double penalty = 1;
        Long seed = null;
        int threads = Runtime.getRuntime().availableProcessors();
        WeightFormat weights = WeightFormat.AS_STORED;
        GemmBackend gemm = GemmBackend.JAVA;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> {
                    return new CliArguments(null, List.of(), null, 8, null, null, 0, 0, 0, 1, 0, 1, null, 1,
                            WeightFormat.AS_STORED, GemmBackend.JAVA, true);
                }
                case "--model" -> model = Path.of(value(args, ++i, a));
                case "--image" -> {
                    images.add(Path.of(value(args, ++i, a)));
                    while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                        images.add(Path.of(args[++i]));
                    }
                }
                case "--video" -> video = Path.of(value(args, ++i, a));
                case "--frames" -> frames = intValue(args, ++i, a, 1, 64);
                case "--prompt" -> prompt = value(args, ++i, a);
                case "--system" -> system = value(args, ++i, a);
                case "--max-new-tokens" -> maxNew = intValue(args, ++i, a, 1, 1 << 20);
                case "--max-tiles" -> maxTiles = intValue(args, ++i, a, 1, 12);
                case "--temperature" -> temperature = doubleValue(args, ++i, a, 0, 100, true);
                case "--top-p" -> topP = doubleValue(args, ++i, a, 0, 1, false);
                case "--top-k" -> topK = intValue(args, ++i, a, 0, Integer.MAX_VALUE);
                case "--repetition-penalty" -> penalty = doubleValue(args, ++i, a, 0, 100, false);
                case "--seed" -> {
                    String v = value(args, ++i, a);
                    try {
                        seed = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        throw new UsageException(a + " needs an integer, got '" + v + "'");
                    }
                }
                case "--threads" -> threads = intValue(args, ++i, a, 1, 1024);
                case "--weights" -> {
                    String v = value(args, ++i, a);
                    try {
                        weights = WeightFormat.parse(v);
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(a + " must be as-stored or q8_0, got '" + v + "'");
                    }
                }
                case "--gemm" -> {
                    String v = value(args, ++i, a);
                    try {
                        gemm = GemmBackend.parse(v);
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(a + " must be java or openblas, got '" + v + "'");
                    }
                }
                default -> throw new UsageException("unknown argument '" + a + "'");
            }
        }
        if (model == null) {
            throw new UsageException("--model DIR is required");
        }
        if (prompt == null) {
            throw new UsageException("--prompt TEXT is required");
        }
        return new CliArguments(model, List.copyOf(images), video, frames, prompt, system, maxNew, maxTiles, temperature,
                topP, topK, penalty, seed, threads, weights, gemm, false);
    }

    private static String value(String[] args, int i, String flag) throws UsageException {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new UsageException(flag + " needs a value");
        }
        return args[i];
    }

    private static int intValue(String[] args, int i, String flag, int min, int max) throws UsageException {
        String v = value(args, i, flag);
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new UsageException(flag + " must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " needs an integer, got '" + v + "'");
        }
    }

    private static double doubleValue(String[] args, int i, String flag, double min, double max, boolean minInclusive)
            throws UsageException {
        String v = value(args, i, flag);
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " needs a number, got '" + v + "'");
        }
        if (!(minInclusive ? d >= min : d > min) || !(d <= max)) {
            throw new UsageException(flag + " must be in " + (minInclusive ? "[" : "(") + min + ", " + max + "], got "
                    + v);
        }
        return d;
    }
}
