package dev.vlmesh.engine.video;

import dev.vlmesh.engine.image.RgbImage;

/**
 * One decoded frame.
 *
 * @param index   the frame's number in presentation order, counting every decoded frame from 0 (the reference's
 *                index: decord / PyAV count decoded frames)
 * @param seconds its presentation time from the start of the stream
 * @param image   RGB, converted as the reference converts (swscale, bilinear, the frame's colour tags), upright
 *                when the stream says it is rotated and rotation is applied
 */
public record VideoFrame(int index, double seconds, RgbImage image) {
}
