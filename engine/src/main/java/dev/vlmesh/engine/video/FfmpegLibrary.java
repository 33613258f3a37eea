package dev.vlmesh.engine.video;

import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacpp.Loader;

/**
 * Loads FFmpeg's native libraries (from the {@code org.bytedeco:ffmpeg} jar for linux-x86_64) once per JVM.
 *
 * <p>JavaCPP extracts the libraries from the jar on first use, into {@code ~/.javacpp/cache} unless the system
 * property {@code org.bytedeco.javacpp.cachedir} says otherwise. {@link #load(Path)} sets that property when it is
 * not set yet, so services and tests choose the folder (a read-only or shared home stays untouched). Nothing is
 * downloaded at run time.
 */
public final class FfmpegLibrary {
    /** The property JavaCPP reads for its extraction folder. */
    public static final String CACHE_DIR_PROPERTY = "org.bytedeco.javacpp.cachedir";

    private static volatile boolean loaded;

    private FfmpegLibrary() {
    }

    /**
     * Loads the libraries, extracting them into {@code cacheDir} (when non-null and the property is not already set).
     *
     * @throws UnsatisfiedLinkError when the natives for this platform are missing
     */
    public static synchronized void load(Path cacheDir) {
        if (loaded) {
            return;
        }
        if (cacheDir != null && System.getProperty(CACHE_DIR_PROPERTY) == null) {
            System.setProperty(CACHE_DIR_PROPERTY, cacheDir.toAbsolutePath().toString());
        }
        Loader.load(avutil.class);
        Loader.load(avcodec.class);
        Loader.load(avformat.class);
        Loader.load(swscale.class);
        // decoder chatter about a broken stream goes to our exceptions, not to stderr
        avutil.av_log_set_level(avutil.AV_LOG_QUIET);
        loaded = true;
    }

    /** Loads with the JVM's setting (or JavaCPP's default folder). */
    public static void load() {
        load(null);
    }

    /** libavcodec / libavformat / libswscale versions, for logs and benchmark records. */
    public static String versions() {
        load();
        return "libavcodec " + version(avcodec.avcodec_version()) + ", libavformat "
                + version(avformat.avformat_version()) + ", libswscale " + version(swscale.swscale_version());
    }

    private static String version(int v) {
        return (v >>> 16) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff);
    }
}
