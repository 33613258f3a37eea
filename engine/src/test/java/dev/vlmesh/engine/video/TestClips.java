package dev.vlmesh.engine.video;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Loader;

/**
 * Makes test videos with the {@code ffmpeg} program that ships inside the bytedeco natives jar (lavfi test
 * sources; encoders: libopenh264, libvpx VP8/VP9, mpeg4, libaom AV1, …), so tests and benchmarks need no system
 * FFmpeg and no network. Also used by infer-service tests and {@code bench/video}.
 */
public final class TestClips {
    private static volatile Path program;

    private TestClips() {
    }

    /** The bundled ffmpeg program (extracted into JavaCPP's cache folder on first use). */
    public static synchronized Path program() {
        if (program == null) {
            FfmpegLibrary.load();
            program = Path.of(Loader.load(org.bytedeco.ffmpeg.ffmpeg.class));
        }
        return program;
    }

    /** Runs ffmpeg with {@code args} (after {@code -hide_banner -v error -y}); fails with its stderr. */
    public static void ffmpeg(String... args) throws IOException {
        Path ff = program();
        List<String> cmd = new ArrayList<>(List.of(ff.toString(), "-hide_banner", "-nostdin", "-v", "error", "-y"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // the program finds its libraries (libva, …) next to it only through the loader path
        pb.environment().put("LD_LIBRARY_PATH", ff.getParent().toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("ffmpeg did not finish: " + cmd);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("ffmpeg failed (" + p.exitValue() + "): " + String.join(" ", cmd) + "\n"
                    + new String(out, StandardCharsets.UTF_8));
        }
    }

    /**
     * A synthetic clip ({@code testsrc2}: moving patterns and a frame counter).
     *
     * @param encoder ffmpeg encoder name and its options, e.g. {@code "libopenh264"}, {@code "mpeg4 -bf 2"}
     * @param gop     keyframe interval in frames
     */
    public static Path make(Path out, String encoder, int width, int height, int fps, double seconds, int gop)
            throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        List<String> args = new ArrayList<>(List.of("-f", "lavfi", "-i", "testsrc2=size=" + width + "x" + height
                + ":rate=" + fps + ":duration=" + seconds, "-pix_fmt", "yuv420p", "-g", String.valueOf(gop),
                "-c:v"));
        args.addAll(List.of(encoder.split(" ")));
        if (encoder.startsWith("libvpx")) {
            args.addAll(List.of("-deadline", "realtime", "-cpu-used", "8"));
        }
        args.add(out.toString());
        ffmpeg(args.toArray(String[]::new));
        return out;
    }
}
