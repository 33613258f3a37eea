package dev.vlmesh.engine.convert;

/** A written or checked file: its path relative to the checkpoint root, its size and its SHA-256 (lower-case hex). */
public record FileDigest(String path, long size, String sha256) {
}
