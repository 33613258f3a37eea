package dev.vlmesh.infer.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How this worker decodes videos. The limits are the worker's own and are checked again from the container header
 * before decoding, whatever ingest accepted.
 *
 * @param maxNumFrames      frames a job may ask for per answer (whole clip, or per window in segment mode)
 * @param maxSeconds        longest video
 * @param maxPixels         largest frame (width × height)
 * @param maxFrames         most frames in a video
 * @param decodeBudget      wall-clock time one job may spend decoding (opening, indexing, frames of all windows)
 * @param minSegmentSeconds shortest window in segment mode
 * @param maxSegments       most windows one job may make (duration ÷ window length)
 * @param nativesDir        where FFmpeg's native libraries are extracted on first use
 * @param tempDir           where a job's video is written while it is decoded (deleted afterwards)
 * @param decoderThreads    FFmpeg decoder threads per job
 */
public record VideoSettings(int maxNumFrames, double maxSeconds, long maxPixels, long maxFrames,
                            Duration decodeBudget, double minSegmentSeconds, int maxSegments, Path nativesDir,
                            Path tempDir, int decoderThreads) {
}
