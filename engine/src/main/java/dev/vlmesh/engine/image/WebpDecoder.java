package dev.vlmesh.engine.image;

import javax.imageio.ImageReader;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * WebP to RGB as Pillow gives it (alpha dropped, not composited). Lossy frames ({@code VP8 } chunks) go through
 * {@link Vp8Decoder}, which reproduces libwebp; lossless ({@code VP8L}) frames through the TwelveMonkeys ImageIO
 * plugin, whose lossless decoding is exact. For an animation Pillow returns libwebp's first composited frame: the
 * first frame drawn at its offset on a zero (transparent black) canvas.
 */
final class WebpDecoder {
    private WebpDecoder() {
    }

    private record Chunk(String id, int data, int size) {
    }

    static RgbImage decode(byte[] data) throws ImageDecodeException {
        long riffEnd = 8 + ImageProbe.u32le(data, 4);
        if (riffEnd > data.length) {
            throw new ImageDecodeException("truncated WebP: the RIFF container declares " + riffEnd
                    + " bytes, the file has " + data.length);
        }
        int end = (int) riffEnd;
        Chunk first = chunkAt(data, 12, end);
        switch (first.id()) {
            case "VP8 " -> {
                return Vp8Decoder.decode(data, first.data(), first.size());
            }
            case "VP8L" -> {
                return decodeWithImageIo(data);
            }
            case "VP8X" -> {
                if (first.size() < 10) {
                    throw new ImageDecodeException("corrupt WebP: short VP8X chunk");
                }
                int canvasW = 1 + u24(data, first.data() + 4);
                int canvasH = 1 + u24(data, first.data() + 7);
                for (int pos = next(first); pos + 8 <= end; ) {
                    Chunk c = chunkAt(data, pos, end);
                    switch (c.id()) {
                        case "VP8 " -> {
                            return Vp8Decoder.decode(data, c.data(), c.size());
                        }
                        case "VP8L" -> {
                            return decodeWithImageIo(data);
                        }
                        case "ANMF" -> {
                            return firstFrame(data, c, canvasW, canvasH);
                        }
                        default -> pos = next(c);
                    }
                }
                throw new ImageDecodeException("corrupt WebP: no image data chunk");
            }
            default -> throw new ImageDecodeException("corrupt WebP: unknown first chunk '" + first.id() + "'");
        }
    }

    private static int u24(byte[] d, int p) {
        return (d[p] & 0xFF) | ((d[p + 1] & 0xFF) << 8) | ((d[p + 2] & 0xFF) << 16);
    }

    private static Chunk chunkAt(byte[] data, int pos, int end) throws ImageDecodeException {
        if (pos + 8 > end) {
            throw new ImageDecodeException("truncated WebP: chunk header at byte " + pos);
        }
        String id = new String(data, pos, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
        long size = ImageProbe.u32le(data, pos + 4);
        if (pos + 8 + size > end) {
            throw new ImageDecodeException("truncated WebP: chunk '" + id.trim() + "' at byte " + pos);
        }
        return new Chunk(id, pos + 8, (int) size);
    }

    private static int next(Chunk c) {
        return c.data() + c.size() + (c.size() & 1);
    }

    /** libwebp's first animation frame: the frame at its offset on a zero canvas. */
    private static RgbImage firstFrame(byte[] data, Chunk anmf, int canvasW, int canvasH)
            throws ImageDecodeException {
        if (anmf.size() < 16) {
            throw new ImageDecodeException("corrupt WebP: short ANMF chunk");
        }
        int x0 = 2 * u24(data, anmf.data());
        int y0 = 2 * u24(data, anmf.data() + 3);
        int end = anmf.data() + anmf.size();
        RgbImage frame = null;
        for (int pos = anmf.data() + 16; pos + 8 <= end && frame == null; ) {
            Chunk c = chunkAt(data, pos, end);
            if (c.id().equals("VP8 ")) {
                frame = Vp8Decoder.decode(data, c.data(), c.size());
            } else if (c.id().equals("VP8L")) {
                frame = decodeWithImageIo(standaloneRiff(data, c));
            }
            pos = next(c);
        }
        if (frame == null) {
            throw new ImageDecodeException("corrupt WebP: first animation frame has no image data");
        }
        if ((long) canvasW * canvasH > Integer.MAX_VALUE / 3) {
            throw new ImageLimitException("WebP canvas " + canvasW + "x" + canvasH + " is too large to decode");
        }
        byte[] canvas = new byte[canvasW * canvasH * 3];
        int w = Math.min(frame.width(), canvasW - x0);
        for (int r = 0; r < frame.height() && y0 + r < canvasH && w > 0; r++) {
            System.arraycopy(frame.pixels(), r * frame.width() * 3, canvas, ((y0 + r) * canvasW + x0) * 3, w * 3);
        }
        return new RgbImage(canvasW, canvasH, canvas);
    }

    /** A VP8L chunk wrapped as a file of its own, for the ImageIO plugin. */
    private static byte[] standaloneRiff(byte[] data, Chunk vp8l) {
        int payload = 8 + vp8l.size() + (vp8l.size() & 1);
        byte[] out = new byte[12 + payload];
        int riffSize = 4 + payload;
        out[0] = 'R';
        out[1] = 'I';
        out[2] = 'F';
        out[3] = 'F';
        out[4] = (byte) riffSize;
        out[5] = (byte) (riffSize >> 8);
        out[6] = (byte) (riffSize >> 16);
        out[7] = (byte) (riffSize >> 24);
        out[8] = 'W';
        out[9] = 'E';
        out[10] = 'B';
        out[11] = 'P';
        System.arraycopy(data, vp8l.data() - 8, out, 12, 8 + vp8l.size());
        return out;
    }

    private static RgbImage decodeWithImageIo(byte[] data) throws ImageDecodeException {
        // The plugin is instantiated directly: the ImageIO registry may not see it under an application class
        // loader (a Quarkus service, for instance).
        ImageReader reader = new com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi().createReaderInstance(null);
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
