package dev.vlmesh.engine.media;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

/**
 * Test images: real ones written by the JDK's ImageIO (PNG, JPEG, GIF, BMP), a real lossless WebP written bit by bit
 * (ImageIO has no WebP writer), and hostile files (decompression-bomb PNG headers, ZIP archives, truncations).
 */
public final class TestImages {
    private TestImages() {
    }

    /** A picture with a gradient and text-like strokes, so encoders produce non-trivial data. */
    public static BufferedImage picture(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(30, 80, 160), w, h, new Color(240, 200, 40)));
        g.fillRect(0, 0, w, h);
        g.setColor(Color.WHITE);
        for (int i = 0; i < 8; i++) {
            g.drawLine(i * w / 8, 0, w - i * w / 8, h);
        }
        g.dispose();
        return img;
    }

    /** {@code format} is an ImageIO writer name: png, jpeg, gif, bmp. */
    public static byte[] encode(String format, int w, int h) {
        BufferedImage img = picture(w, h);
        if (format.equals("gif")) {
            BufferedImage indexed = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED);
            indexed.getGraphics().drawImage(img, 0, 0, null);
            img = indexed;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] png(int w, int h) {
        return encode("png", w, h);
    }

    public static byte[] jpeg(int w, int h) {
        return encode("jpeg", w, h);
    }

    public static byte[] gif(int w, int h) {
        return encode("gif", w, h);
    }

    public static byte[] bmp(int w, int h) {
        return encode("bmp", w, h);
    }

    /**
     * A valid lossless WebP (VP8L) of one opaque colour: no transforms, no colour cache, and five single-symbol prefix
     * codes, so every pixel costs zero bits and the bitstream is 23 bits whatever the size.
     */
    public static byte[] webp(int w, int h) {
        BitWriter bits = new BitWriter();
        bits.write(0x2F, 8); // VP8L signature
        bits.write(w - 1, 14);
        bits.write(h - 1, 14);
        bits.write(0, 1); // alpha hint
        bits.write(0, 3); // version
        bits.write(0, 1); // no transform
        bits.write(0, 1); // no colour cache
        bits.write(0, 1); // no meta prefix codes
        int[] argb = {0x80, 0x40, 0xC0, 0xFF}; // green, red, blue, alpha
        for (int i = 0; i < 4; i++) {
            bits.write(1, 1); // simple code
            bits.write(0, 1); // one symbol
            bits.write(1, 1); // 8-bit symbol
            bits.write(argb[i], 8);
        }
        bits.write(1, 1); // distance code: simple, one symbol, 1-bit symbol 0
        bits.write(0, 1);
        bits.write(0, 1);
        bits.write(0, 1);
        // TwelveMonkeys' bit reader fetches 8 bytes at a time, so the chunk carries zero padding after the bits
        byte[] vp8l = Arrays.copyOf(bits.bytes(), 16);
        int chunk = vp8l.length;
        int padded = chunk + (chunk & 1);
        ByteBuffer b = ByteBuffer.allocate(20 + padded).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(ascii("RIFF")).putInt(12 + padded).put(ascii("WEBP")).put(ascii("VP8L")).putInt(chunk).put(vp8l);
        return b.array();
    }

    /**
     * A PNG that is only headers: IHDR claiming {@code w × h} pixels, a tiny IDAT and IEND, all with correct CRCs.
     * Decoding it would need w × h × 3 bytes; probing it must not.
     */
    public static byte[] pngHeaderOnly(long w, long h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13);
        ihdr.putInt((int) w).putInt((int) h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        out.writeBytes(chunk("IHDR", ihdr.array()));
        Deflater d = new Deflater();
        d.setInput(new byte[1024]);
        d.finish();
        byte[] z = new byte[1024];
        int n = d.deflate(z);
        out.writeBytes(chunk("IDAT", Arrays.copyOf(z, n)));
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    public static byte[] zip(String entryName, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry(entryName));
            z.write(content);
            z.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] truncate(byte[] data, int keep) {
        return Arrays.copyOf(data, keep);
    }

    static byte[] chunk(String type, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length);
        b.putInt(data.length).put(ascii(type)).put(data);
        CRC32 crc = new CRC32();
        crc.update(ascii(type));
        crc.update(data);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** LSB-first bit packing, as VP8L reads it. */
    private static final class BitWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private long acc;
        private int used;

        void write(int value, int n) {
            acc |= ((long) value & ((1L << n) - 1)) << used;
            used += n;
            while (used >= 8) {
                out.write((int) (acc & 0xFF));
                acc >>>= 8;
                used -= 8;
            }
        }

        byte[] bytes() {
            if (used > 0) {
                out.write((int) (acc & 0xFF));
                acc = 0;
                used = 0;
            }
            return out.toByteArray();
        }
    }
}
