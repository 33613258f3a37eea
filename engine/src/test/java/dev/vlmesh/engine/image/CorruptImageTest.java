package dev.vlmesh.engine.image;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Randomly damaged fixture images either decode or fail with {@link ImageDecodeException} — never another exception,
 * never a hang — under small limits so a damaged header cannot ask for much memory.
 */
class CorruptImageTest {
    private static final ImageLimits SMALL = new ImageLimits(1 << 20, 4_000_000);

    @Test
    void damagedFilesFailCleanly() throws IOException {
        Random rnd = new Random(7);
        List<String> unexpected = new ArrayList<>();
        int refused = 0;
        int tried = 0;
        try (var files = Files.list(InputFixtures.file("preprocess/images"))) {
            for (Path p : files.sorted().toList()) {
                byte[] original = Files.readAllBytes(p);
                for (int n = 0; n < 25; n++) {
                    byte[] damaged = original.clone();
                    int flips = 1 + rnd.nextInt(8);
                    for (int i = 0; i < flips; i++) {
                        // damage the header region more often: that is where the parsers branch
                        int at = rnd.nextBoolean() ? rnd.nextInt(Math.min(64, damaged.length))
                                : rnd.nextInt(damaged.length);
                        damaged[at] = (byte) rnd.nextInt(256);
                    }
                    String where = p.getFileName() + " mutation " + n;
                    tried++;
                    Throwable failure = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                        try {
                            new ImageDecoder(SMALL).decode(damaged);
                            return null;
                        } catch (Throwable t) {
                            return t;
                        }
                    }, where);
                    if (failure instanceof ImageDecodeException e) {
                        refused++;
                        if (e.getMessage() == null || e.getMessage().isBlank()) {
                            unexpected.add(where + ": exception without a message");
                        }
                    } else if (failure != null) {
                        unexpected.add(where + ": " + failure);
                    }
                }
            }
        }
        assertTrue(unexpected.isEmpty(), unexpected.size() + " unexpected failures: " + unexpected);
        assertTrue(tried > 300 && refused > 0, "tried " + tried + ", refused " + refused);
    }
}
