package dev.vlmesh.engine.image;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * JPEG to RGB as Pillow (libjpeg-turbo) decodes it. The entropy decoding, ISLOW IDCT and fancy chroma upsampling come
 * from the JDK's built-in libjpeg decoder, which produces the same samples as libjpeg-turbo for baseline and
 * progressive 4:4:4 / 4:2:2 / 4:2:0 files. The raw components are read (no JDK colour management) and converted here
 * with libjpeg's fixed-point YCbCr tables. Four-component files follow Pillow: the samples are Adobe-inverted CMYK
 * (YCCK is first turned into CMYK by libjpeg's rule), and RGB = MULDIV255(255 − c, 255 − k) on Pillow's CMYK.
 * EXIF orientation is ignored, as the reference ignores it. A file that ends early is refused (Pillow refuses it too).
 */
final class JpegDecoder {
    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private JpegDecoder() {
    }

    private static int fix(double v) {
        return (int) (v * (1L << SCALEBITS) + 0.5);
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** What the markers say about the colour space, as libjpeg reads them. */
    private record Markers(boolean jfif, int adobeTransform, int[] componentIds, int[] hSampling, int[] vSampling,
                           int frameMarker) {
        /** Components that libjpeg-turbo upsamples with its "fancy" 1x2 filter and libjpeg 6b by replication. */
        boolean[] verticalOnlyUpsampled() {
            int maxH = 0;
            int maxV = 0;
            for (int i = 0; i < hSampling.length; i++) {
                maxH = Math.max(maxH, hSampling[i]);
                maxV = Math.max(maxV, vSampling[i]);
            }
            boolean[] out = new boolean[hSampling.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = hSampling[i] == maxH && vSampling[i] * 2 == maxV;
            }
            return out;
        }
    }

    static RgbImage decode(byte[] data) throws ImageDecodeException {
        Markers m = scanMarkers(data);
        int sof = m.frameMarker();
        if (sof != 0xC0 && sof != 0xC1 && sof != 0xC2) {
            throw new ImageDecodeException("unsupported JPEG process (SOF marker 0x" + Integer.toHexString(sof)
                    + "): only baseline, extended and progressive Huffman JPEGs are decoded");
        }
        Raster raster = readRaster(data);
        int w = raster.getWidth();
        int h = raster.getHeight();
        int bands = raster.getNumBands();
        if (bands != m.componentIds().length) {
            throw new ImageDecodeException("JPEG decoder returned " + bands + " components, the frame has "
                    + m.componentIds().length);
        }
        byte[] rgb = new byte[w * h * 3];
        int[] row = new int[w * bands];
        boolean[] refilter = m.verticalOnlyUpsampled();
        boolean anyRefilter = false;
        for (boolean b : refilter) {
            anyRefilter |= b;
        }
        int[] above = anyRefilter ? new int[w * bands] : null;
        int[] near = anyRefilter ? new int[w * bands] : null;
        int[] below = anyRefilter ? new int[w * bands] : null;
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            if (anyRefilter) {
                fancyVerticalUpsample(raster, y, w, h, bands, refilter, row, above, near, below);
            }
            int o = y * w * 3;
            switch (bands) {
                case 1 -> {
                    for (int x = 0; x < w; x++, o += 3) {
                        rgb[o] = rgb[o + 1] = rgb[o + 2] = (byte) row[x];
                    }
                }
                case 3 -> {
                    boolean ycc = isYCbCr(m);
                    for (int x = 0, p = 0; x < w; x++, p += 3, o += 3) {
                        if (ycc) {
                            yccToRgb(row[p], row[p + 1], row[p + 2], rgb, o);
                        } else {
                            rgb[o] = (byte) row[p];
                            rgb[o + 1] = (byte) row[p + 1];
                            rgb[o + 2] = (byte) row[p + 2];
                        }
                    }
                }
                case 4 -> {
                    boolean ycck = m.adobeTransform() == 2;
                    byte[] t = new byte[3];
                    for (int x = 0, p = 0; x < w; x++, p += 4, o += 3) {
                        int c0 = row[p];
                        int c1 = row[p + 1];
                        int c2 = row[p + 2];
                        if (ycck) {
                            // libjpeg: CMYK = 255 - RGB(Y, Cb, Cr), K unchanged
                            yccToRgb(c0, c1, c2, t, 0);
                            c0 = 255 - (t[0] & 0xFF);
                            c1 = 255 - (t[1] & 0xFF);
                            c2 = 255 - (t[2] & 0xFF);
                        }
                        int k = row[p + 3];
                        // Pillow inverts the Adobe samples (CMYK;I), then RGB = MULDIV255(255 - c', 255 - k').
                        rgb[o] = (byte) mulDiv255(c0, k);
                        rgb[o + 1] = (byte) mulDiv255(c1, k);
                        rgb[o + 2] = (byte) mulDiv255(c2, k);
                    }
                }
                default -> throw new ImageDecodeException("unsupported JPEG with " + bands + " components");
            }
        }
        return new RgbImage(w, h, rgb);
    }

    /**
     * libjpeg 6b (the JDK) upsamples a component subsampled only vertically (4:4:0) by repeating each row, while
     * libjpeg-turbo (Pillow) uses its "fancy" triangle filter: output row 2k = (3·c[k] + c[k−1] + 1) >> 2 and row
     * 2k+1 = (3·c[k] + c[k+1] + 2) >> 2, with the edge rows repeated. The repeated rows give back c exactly, so the
     * turbo samples are recomputed from them.
     */
    private static void fancyVerticalUpsample(Raster r, int y, int w, int h, int bands, boolean[] which, int[] row,
                                              int[] above, int[] near, int[] below) {
        int k = y >> 1;
        int rows = (h + 1) >> 1;
        int other = (y & 1) == 0 ? Math.max(k - 1, 0) : Math.min(k + 1, rows - 1);
        r.getPixels(0, 2 * k, w, 1, near);
        r.getPixels(0, 2 * other, w, 1, (y & 1) == 0 ? above : below);
        int[] far = (y & 1) == 0 ? above : below;
        int bias = (y & 1) == 0 ? 1 : 2;
        for (int x = 0; x < w; x++) {
            for (int c = 0; c < bands; c++) {
                if (which[c]) {
                    int i = x * bands + c;
                    row[i] = (near[i] * 3 + far[i] + bias) >> 2;
                }
            }
        }
    }

    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static void yccToRgb(int y, int cb, int cr, byte[] out, int o) {
        out[o] = (byte) clamp(y + CR_R[cr]);
        out[o + 1] = (byte) clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
        out[o + 2] = (byte) clamp(y + CB_B[cb]);
    }

    /** libjpeg's guess for three components: JFIF or Adobe transform ≠ 0 or ids 1,2,3 mean YCbCr; 'R','G','B' RGB. */
    private static boolean isYCbCr(Markers m) {
        if (m.jfif()) {
            return true;
        }
        if (m.adobeTransform() >= 0) {
            return m.adobeTransform() != 0;
        }
        int[] id = m.componentIds();
        return !(id[0] == 'R' && id[1] == 'G' && id[2] == 'B');
    }

    private static Markers scanMarkers(byte[] d) throws ImageDecodeException {
        boolean jfif = false;
        int adobe = -1;
        int pos = 2;
        while (pos + 4 <= d.length) {
            if ((d[pos] & 0xFF) != 0xFF) {
                throw new ImageDecodeException("corrupt JPEG: expected a marker at byte " + pos);
            }
            int marker = d[pos + 1] & 0xFF;
            if (marker == 0xFF) {
                pos++;
                continue;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
                pos += 2;
                continue;
            }
            int len = ImageProbe.u16be(d, pos + 2);
            if (len < 2 || pos + 2 + len > d.length) {
                throw new ImageDecodeException("truncated JPEG: marker segment at byte " + pos);
            }
            int seg = pos + 4;
            if (marker == 0xE0 && len >= 7 && d[seg] == 'J' && d[seg + 1] == 'F' && d[seg + 2] == 'I'
                    && d[seg + 3] == 'F' && d[seg + 4] == 0) {
                jfif = true;
            } else if (marker == 0xEE && len >= 14 && d[seg] == 'A' && d[seg + 1] == 'd' && d[seg + 2] == 'o'
                    && d[seg + 3] == 'b' && d[seg + 4] == 'e') {
                adobe = d[seg + 11] & 0xFF;
            } else if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                if (len < 8) {
                    throw new ImageDecodeException("corrupt JPEG: short frame header");
                }
                int n = d[seg + 5] & 0xFF;
                if (n != 1 && n != 3 && n != 4 || len < 8 + 3 * n) {
                    throw new ImageDecodeException("unsupported JPEG with " + n + " components");
                }
                if ((d[seg] & 0xFF) != 8) {
                    throw new ImageDecodeException("unsupported JPEG sample precision " + (d[seg] & 0xFF));
                }
                int[] ids = new int[n];
                int[] hs = new int[n];
                int[] vs = new int[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = d[seg + 6 + 3 * i] & 0xFF;
                    hs[i] = (d[seg + 7 + 3 * i] & 0xF0) >> 4;
                    vs[i] = d[seg + 7 + 3 * i] & 0x0F;
                }
                return new Markers(jfif, adobe, ids, hs, vs, marker);
            } else if (marker == 0xDA || marker == 0xD9) {
                break;
            }
            pos += 2 + len;
        }
        throw new ImageDecodeException("truncated or corrupt JPEG: no frame header");
    }

    private static ImageReader jdkReader() throws ImageDecodeException {
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("jpeg"); it.hasNext(); ) {
            ImageReader r = it.next();
            if (r.getClass().getName().startsWith("com.sun.imageio.plugins.jpeg.")) {
                return r;
            }
        }
        throw new ImageDecodeException("the JDK's JPEG decoder is not available in this runtime");
    }

    private static Raster readRaster(byte[] data) throws ImageDecodeException {
        ImageReader reader = jdkReader();
        String[] truncation = new String[1];
        reader.addIIOReadWarningListener(new IIOReadWarningListener() {
            @Override
            public void warningOccurred(ImageReader source, String warning) {
                if (warning != null && warning.toLowerCase(java.util.Locale.ROOT).contains("premature end")) {
                    truncation[0] = warning;
                }
            }
        });
        try (MemoryCacheImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            reader.setInput(in, true, true);
            Raster r = reader.readRaster(0, null);
            if (truncation[0] != null) {
                throw new ImageDecodeException("truncated JPEG: " + truncation[0]);
            }
            return r;
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException("corrupt JPEG: " + e.getMessage(), e);
        } finally {
            reader.dispose();
        }
    }
}
