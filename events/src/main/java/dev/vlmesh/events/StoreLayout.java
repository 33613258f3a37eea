package dev.vlmesh.events;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Buckets and object keys, in one place.
 *
 * <pre>
 * media bucket:       media/sha256/ab/abcdef…            content-addressed media (stored once per digest)
 *                     uploads/{tenant}/{uploadId}          presigned direct uploads, before verification
 * checkpoint bucket:  sources/{model}/…                    HuggingFace checkpoints dropped by operators
 *                     models/{model}/{version}/…           converted MindSpeed-MM checkpoints
 *                     models/{model}/{version}/manifest.json   written last: its presence means "complete"
 * </pre>
 */
public record StoreLayout(String mediaBucket, String checkpointBucket) {

    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public static StoreLayout standard() {
        return withNamespace("");
    }

    /** Bucket names allow only [a-z0-9.-], so namespaces are lower-cased and sanitised. */
    public static StoreLayout withNamespace(String namespace) {
        String s = namespace == null || namespace.isBlank() ? ""
                : "-" + namespace.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        return new StoreLayout("vlmesh-media" + s, "vlmesh-checkpoints" + s);
    }

    public static String mediaKey(String sha256) {
        if (!HEX64.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a lower-case hex SHA-256: " + sha256);
        }
        return "media/sha256/" + sha256.substring(0, 2) + "/" + sha256;
    }

    public static String uploadKey(String tenantId, String uploadId) {
        return "uploads/" + safe(tenantId, "tenant") + "/" + safe(uploadId, "upload id");
    }

    public static String sourcePrefix(String model) {
        return "sources/" + safe(model, "model name") + "/";
    }

    public static String modelVersionPrefix(String model, String version) {
        return "models/" + safe(model, "model name") + "/" + safe(version, "version") + "/";
    }

    public static String manifestKey(String model, String version) {
        return modelVersionPrefix(model, version) + "manifest.json";
    }

    /** Names end up in keys and file paths: refuse anything that could climb out of its folder. */
    public static String safe(String name, String what) {
        if (name == null || !SAFE_NAME.matcher(name).matches() || name.contains("..")) {
            throw new IllegalArgumentException("invalid " + what + ": '" + name
                    + "' (letters, digits, '.', '_', '-'; at most 128 characters)");
        }
        return name;
    }
}
