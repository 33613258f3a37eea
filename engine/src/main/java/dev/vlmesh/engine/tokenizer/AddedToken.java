package dev.vlmesh.engine.tokenizer;

/**
 * A token matched verbatim in the input, never split by BPE.
 *
 * @param special    skipped by {@code decode(ids, true)}
 * @param normalized matched after NFC normalisation rather than on the raw text
 */
public record AddedToken(int id, String content, boolean special, boolean normalized) {
}
