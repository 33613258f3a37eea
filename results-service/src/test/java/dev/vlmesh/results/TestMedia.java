package dev.vlmesh.results;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Real media files for the client tests, written under target/ (a PNG drawn here; a text file posing as a PNG). */
public final class TestMedia {

    private TestMedia() {
    }

    public static Path dir() {
        Path d = Path.of("target", "test-media").toAbsolutePath();
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return d;
    }

    /** A 160×120 PNG: a red square and a blue circle on white. */
    public static Path shapesPng(Path dir, String name) {
        Path f = dir.resolve(name);
        if (Files.exists(f)) {
            return f;
        }
        BufferedImage img = new BufferedImage(160, 120, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 160, 120);
        g.setColor(Color.RED);
        g.fillRect(15, 30, 50, 50);
        g.setColor(Color.BLUE);
        g.fillOval(95, 30, 50, 50);
        g.dispose();
        try {
            ImageIO.write(img, "png", f.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    /** Plain text with a .png name: a client-side check by extension would let it through, ingest must not. */
    public static Path notAnImage(Path dir) {
        Path f = dir.resolve("scan.png");
        try {
            Files.writeString(f, "these are meeting notes, not a picture\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    /** The console's sample folder for tests, holding one generated PNG. */
    public static Path samplesDir() {
        Path d = dir().resolve("samples");
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        shapesPng(d, "shapes.png");
        return d;
    }
}
