package dev.vlmesh.engine.cli;

import dev.vlmesh.engine.checkpoint.CheckpointException;
import dev.vlmesh.engine.generate.CancelSignal;
import dev.vlmesh.engine.generate.EngineOptions;
import dev.vlmesh.engine.generate.GenerationOptions;
import dev.vlmesh.engine.generate.GenerationRequest;
import dev.vlmesh.engine.generate.GenerationResult;
import dev.vlmesh.engine.generate.InternVlModel;
import dev.vlmesh.engine.generate.TokenListener;
import dev.vlmesh.engine.generate.VideoInput;
import dev.vlmesh.engine.image.ImageDecodeException;
import dev.vlmesh.engine.kernel.GemmBackend;
import dev.vlmesh.engine.kernel.OpenBlasGemm;
import dev.vlmesh.engine.tensor.WeightFormat;
import dev.vlmesh.engine.tokenizer.TokenizerFormatException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The command: parse, check files, load the model, stream the answer to stdout and timings to stderr. */
public final class Cli {
    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_BAD_INPUT = 3;
    public static final int EXIT_BAD_MODEL = 4;
    public static final int EXIT_ENVIRONMENT = 5;

    private Cli() {
    }

    /** Runs the command; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CliArguments a;
        try {
            a = CliArguments.parse(args);
        } catch (CliArguments.UsageException e) {
            err.println("error: " + e.getMessage());
            err.print(CliArguments.USAGE);
            return EXIT_USAGE;
        }
        if (a.help()) {
            out.print(CliArguments.USAGE);
            return EXIT_OK;
        }
        if (!Files.isDirectory(a.model())) {
            err.println("error: model directory " + a.model() + " does not exist");
            return EXIT_BAD_MODEL;
        }
        for (Path image : a.images()) {
            if (!Files.isRegularFile(image) || !Files.isReadable(image)) {
                err.println("error: image " + image + " does not exist or is not readable");
                return EXIT_BAD_INPUT;
            }
        }
        if (a.video() != null && (!Files.isRegularFile(a.video()) || !Files.isReadable(a.video()))) {
            err.println("error: video " + a.video() + " does not exist or is not readable");
            return EXIT_BAD_INPUT;
        }
        long t0 = System.nanoTime();
        InternVlModel model;
        try {
            model = InternVlModel.load(a.model(),
                    EngineOptions.defaults().withThreads(a.threads()).withWeights(a.weights()).withGemm(a.gemm()));
        } catch (CheckpointException | TokenizerFormatException e) {
            err.println("error: cannot load model: " + e.getMessage());
            return EXIT_BAD_MODEL;
        } catch (IOException e) {
            err.println("error: cannot load model " + a.model() + ": " + e);
            return EXIT_BAD_MODEL;
        }
        long loadNanos = System.nanoTime() - t0;
        if (a.weights() != WeightFormat.AS_STORED) {
            err.println(model.quantization().describe());
        }
        if (a.gemm() == GemmBackend.OPENBLAS) {
            OpenBlasGemm.Status s = OpenBlasGemm.status();
            err.println("gemm: " + s + (s.available() ? "" : "; using the Java kernels"));
        }
        try (model) {
            GenerationOptions o = new GenerationOptions(a.maxNewTokens(), a.maxTiles(), a.temperature(), a.topK(),
                    a.topP(), a.repetitionPenalty(), a.seed(), null);
            GenerationRequest.Builder b = GenerationRequest.builder(a.prompt()).options(o).systemMessage(a.system());
            a.images().forEach(b::image);
            if (a.video() != null) {
                b.video(VideoInput.of(a.video(), a.videoSegments()));
            }
            GenerationResult r = model.generate(b.build(), new TokenListener() {
                @Override
                public void onToken(int tokenId, String text) {
                    out.print(text);
                    out.flush();
                }

                @Override
                public void onTail(String text) {
                    out.print(text);
                }
            }, new CancelSignal());
            out.println();
            out.flush();
            report(err, model, r, loadNanos);
            return EXIT_OK;
        } catch (ImageDecodeException e) {
            err.println("error: " + e.getMessage());
            return EXIT_BAD_INPUT;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return EXIT_BAD_INPUT;
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return EXIT_BAD_INPUT;
        } catch (RuntimeException | Error e) {
            err.println("internal error: " + e);
            e.printStackTrace(err);
            return EXIT_INTERNAL;
        }
    }

    private static void report(PrintStream err, InternVlModel model, GenerationResult r, long loadNanos) {
        var t = r.timings();
        var u = r.usage();
        int textTokens = u.promptTokens();
        err.printf(Locale.ROOT, "load %.0f ms | preprocess %.1f ms | vision %.1f ms (%d image tokens) | "
                        + "prefill %.1f ms (%d tokens, %.1f tok/s) | decode %.1f ms (%d tokens, %.1f tok/s) | "
                        + "finish %s | threads %d | seed %d%n",
                loadNanos / 1e6, t.preprocessMillis(), t.visionMillis(), u.imageTokens(), t.prefillMillis(),
                textTokens, rate(textTokens, t.prefillNanos()), t.decodeMillis(), u.completionTokens(),
                rate(Math.max(0, u.completionTokens() - 1), t.decodeNanos()),
                r.finishReason().name().toLowerCase(Locale.ROOT), model.threads(), r.seed());
    }

    private static double rate(int tokens, long nanos) {
        return nanos <= 0 ? 0 : tokens * 1e9 / nanos;
    }
}
