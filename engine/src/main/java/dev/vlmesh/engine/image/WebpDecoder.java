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
 * WebP through the TwelveMonkeys ImageIO plugin; alpha is dropped as in Pillow's {@code convert('RGB')}. Lossless
 * (VP8L) files decode exactly; lossy (VP8) files differ from libwebp (see the engine README).
 */
final class WebpDecoder {
    private WebpDecoder() {
    }

    static RgbImage decode(byte[] data) throws ImageDecodeException {
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
