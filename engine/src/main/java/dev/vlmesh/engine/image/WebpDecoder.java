package dev.vlmesh.engine.image;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * WebP to RGB as Pillow gives it (alpha dropped, not composited). Lossy still images (a {@code VP8 } chunk, alone or
 * in a non-animated VP8X container) go through {@link Vp8Decoder}, which reproduces libwebp; lossless (VP8L) and
 * animated files go through the TwelveMonkeys ImageIO plugin, whose lossless decoding is exact.
 */
final class WebpDecoder {
    private WebpDecoder() {
    }

    static RgbImage decode(byte[] data) throws ImageDecodeException {
        long riffEnd = 8 + ImageProbe.u32le(data, 4);
        if (riffEnd > data.length) {
            throw new ImageDecodeException("truncated WebP: the RIFF container declares " + riffEnd
                    + " bytes, the file has " + data.length);
        }
        int vp8 = findStillVp8Chunk(data, (int) riffEnd);
        if (vp8 >= 0) {
            int len = (int) ImageProbe.u32le(data, vp8 + 4);
            return Vp8Decoder.decode(data, vp8 + 8, len);
        }
        return decodeWithImageIo(data);
    }

    /** Offset of the "VP8 " chunk header of a still lossy image, or -1 (lossless or animated). */
    private static int findStillVp8Chunk(byte[] data, int end) throws ImageDecodeException {
        int pos = 12;
        while (pos + 8 <= end) {
            String id = new String(data, pos, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            long size = ImageProbe.u32le(data, pos + 4);
            if (pos + 8 + size > end) {
                throw new ImageDecodeException("truncated WebP: chunk " + id.trim() + " at byte " + pos);
            }
            switch (id) {
                case "VP8 " -> {
                    return pos;
                }
                case "VP8L", "ANIM", "ANMF" -> {
                    return -1;
                }
                default -> {
                }
            }
            pos += 8 + (int) size + (int) (size & 1);
        }
        throw new ImageDecodeException("corrupt WebP: no image data chunk");
    }

    private static RgbImage decodeWithImageIo(byte[] data) throws ImageDecodeException {
        Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("webp");
        if (!it.hasNext()) {
            throw new ImageDecodeException("no WebP decoder on the class path");
        }
        ImageReader reader = it.next();
        try (MemoryCacheImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            reader.setInput(in, true, true);
            BufferedImage img = reader.read(0);
            int w = img.getWidth();
            int h = img.getHeight();
            byte[] rgb = new byte[w * h * 3];
            int type = img.getType();
            if (type == BufferedImage.TYPE_3BYTE_BGR || type == BufferedImage.TYPE_4BYTE_ABGR
                    || type == BufferedImage.TYPE_INT_RGB || type == BufferedImage.TYPE_INT_ARGB) {
                Raster r = img.getRaster();
                int[] px = new int[w * r.getNumBands()];
                int nb = r.getNumBands();
                for (int y = 0; y < h; y++) {
                    r.getPixels(0, y, w, 1, px);
                    for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                        rgb[o] = (byte) px[x * nb];
                        rgb[o + 1] = (byte) px[x * nb + 1];
                        rgb[o + 2] = (byte) px[x * nb + 2];
                    }
                }
            } else {
                for (int y = 0; y < h; y++) {
                    for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                        int argb = img.getRGB(x, y);
                        rgb[o] = (byte) (argb >> 16);
                        rgb[o + 1] = (byte) (argb >> 8);
                        rgb[o + 2] = (byte) argb;
                    }
                }
            }
            return new RgbImage(w, h, rgb);
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException("corrupt WebP: " + e.getMessage(), e);
        } finally {
            reader.dispose();
        }
    }
}
