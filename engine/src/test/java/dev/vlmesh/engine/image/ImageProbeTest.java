package dev.vlmesh.engine.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The header reader agrees with full decoding on every fixture image and on files written by the JDK. */
class ImageProbeTest {
    @Test
    void probeAgreesWithDecodingForEveryFixtureImage() throws IOException {
        try (var files = Files.list(InputFixtures.file("preprocess/images"))) {
            for (Path p : files.sorted().toList()) {
                ImageInfo info = ImageProbe.probe(p);
                RgbImage img = new ImageDecoder(ImageLimits.DEFAULT).decode(p);
                assertEquals(img.width(), info.width(), p.getFileName().toString());
                assertEquals(img.height(), info.height(), p.getFileName().toString());
                assertEquals(info, ImageProbe.probe(Files.readAllBytes(p)), p.getFileName().toString());
            }
        }
    }

    @Test
    void formatsAndSizesOfJdkWrittenFiles(@TempDir Path dir) throws IOException {
        BufferedImage rgb = new BufferedImage(123, 45, BufferedImage.TYPE_3BYTE_BGR);
        BufferedImage indexed = new BufferedImage(67, 89, BufferedImage.TYPE_BYTE_INDEXED);
        Object[][] cases = {{"png", rgb, ImageFormat.PNG}, {"jpg", rgb, ImageFormat.JPEG}, {"bmp", rgb, ImageFormat.BMP},
            {"gif", indexed, ImageFormat.GIF}};
        for (Object[] c : cases) {
            BufferedImage img = (BufferedImage) c[1];
            Path file = dir.resolve("x." + c[0]);
            ImageIO.write(img, (String) c[0], file.toFile());
            ImageInfo info = ImageProbe.probe(file);
            assertEquals(c[2], info.format(), file.toString());
            assertEquals(img.getWidth(), info.width(), file.toString());
            assertEquals(img.getHeight(), info.height(), file.toString());
            RgbImage decoded = new ImageDecoder(ImageLimits.DEFAULT).decode(file);
            assertEquals(img.getWidth(), decoded.width(), file.toString());
        }
    }
}
