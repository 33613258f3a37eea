package dev.vlmesh.convert.jobs;

import dev.vlmesh.engine.convert.HfToMm;
import dev.vlmesh.engine.convert.ParallelSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Version ids are derived, not assigned: the same source digest, parallel config, output format and converter
 * give the same version, so a repeated refresh finds the existing version instead of converting again.
 */
public final class VersionIds {
    private VersionIds() {
    }

    public static String of(String sourceDigest, ParallelSpec spec, String outputFormat) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((HfToMm.CONVERTER_VERSION + "\n" + sourceDigest
                    + "\n" + spec.canonical() + "\n" + outputFormat).getBytes(StandardCharsets.UTF_8));
            return "mm-" + HexFormat.of().formatHex(h).substring(0, 20);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
