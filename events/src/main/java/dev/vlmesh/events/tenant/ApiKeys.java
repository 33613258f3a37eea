package dev.vlmesh.events.tenant;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * API keys mapped to tenants. Configuration holds only SHA-256 hashes of keys, as {@code tenant:hexsha256} entries
 * separated by commas, so a leaked config file leaks no key. Lookup compares every hash in constant time.
 */
public final class ApiKeys {

    private record Entry(String tenant, byte[] hash) {
    }

    private final List<Entry> entries;

    private ApiKeys(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** Parses {@code tenant:hexsha256[,tenant:hexsha256…]}; throws with the offending entry on a typo. */
    public static ApiKeys parse(String spec) {
        List<Entry> entries = new ArrayList<>();
        if (spec != null) {
            for (String raw : spec.split(",")) {
                String e = raw.trim();
                if (e.isEmpty()) {
                    continue;
                }
                int colon = e.indexOf(':');
                String tenant = colon < 0 ? "" : e.substring(0, colon).trim();
                String hex = colon < 0 ? "" : e.substring(colon + 1).trim().toLowerCase();
                if (!tenant.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}") || !hex.matches("[0-9a-f]{64}")) {
                    throw new IllegalArgumentException("invalid API key entry '" + e
                            + "': expected tenant:hex-sha256-of-key");
                }
                entries.add(new Entry(tenant, HexFormat.of().parseHex(hex)));
            }
        }
        return new ApiKeys(entries);
    }

    /** The tenant owning {@code presentedKey}, if any. */
    public Optional<String> tenantFor(String presentedKey) {
        if (presentedKey == null || presentedKey.isEmpty()) {
            return Optional.empty();
        }
        byte[] h = sha256(presentedKey);
        String found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.hash, h) && found == null) {
                found = e.tenant;
            }
        }
        return Optional.ofNullable(found);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The hash to put in configuration for a key. */
    public static String hash(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code java -cp events.jar dev.vlmesh.events.tenant.ApiKeys KEY} prints the hash to configure. */
    public static void main(String[] args) {
        for (String a : args) {
            System.out.println(hash(a));
        }
    }
}
